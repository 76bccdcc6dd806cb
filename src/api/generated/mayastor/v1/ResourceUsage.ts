// Original file: mayastor/v1/host.proto

import type { Long } from '@grpc/proto-loader';

export interface ResourceUsage {
  'soft_faults'?: (number | string | Long);
  'hard_faults'?: (number | string | Long);
  'swaps'?: (number | string | Long);
  'in_block_ops'?: (number | string | Long);
  'out_block_ops'?: (number | string | Long);
  'ipc_msg_send'?: (number | string | Long);
  'ipc_msg_rcv'?: (number | string | Long);
  'signals'?: (number | string | Long);
  'vol_csw'?: (number | string | Long);
  'invol_csw'?: (number | string | Long);
  /**
   * Extensions: CPU time in microseconds and resident memory in bytes.
   */
  'user_cpu_us'?: (number | string | Long);
  'system_cpu_us'?: (number | string | Long);
  'max_rss_bytes'?: (number | string | Long);
}

export interface ResourceUsage__Output {
  'soft_faults': (number);
  'hard_faults': (number);
  'swaps': (number);
  'in_block_ops': (number);
  'out_block_ops': (number);
  'ipc_msg_send': (number);
  'ipc_msg_rcv': (number);
  'signals': (number);
  'vol_csw': (number);
  'invol_csw': (number);
  /**
   * Extensions: CPU time in microseconds and resident memory in bytes.
   */
  'user_cpu_us': (number);
  'system_cpu_us': (number);
  'max_rss_bytes': (number);
}
