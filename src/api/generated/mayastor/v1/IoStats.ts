// Original file: mayastor/v1/stats.proto

import type { Long } from '@grpc/proto-loader';

export interface IoStats {
  'name'?: (string);
  'num_read_ops'?: (number | string | Long);
  'bytes_read'?: (number | string | Long);
  'num_write_ops'?: (number | string | Long);
  'bytes_written'?: (number | string | Long);
  'num_unmap_ops'?: (number | string | Long);
  'bytes_unmapped'?: (number | string | Long);
  'read_latency_us'?: (number | string | Long);
  'write_latency_us'?: (number | string | Long);
  'unmap_latency_us'?: (number | string | Long);
  'max_read_latency_us'?: (number | string | Long);
  'min_read_latency_us'?: (number | string | Long);
  'max_write_latency_us'?: (number | string | Long);
  'min_write_latency_us'?: (number | string | Long);
  'max_unmap_latency_us'?: (number | string | Long);
  'min_unmap_latency_us'?: (number | string | Long);
  /**
   * Ticks per second of the latency fields: 1000000 (they are microseconds).
   */
  'tick_rate'?: (number | string | Long);
  'uuid'?: (string);
  'num_flush_ops'?: (number | string | Long);
  'num_read_errors'?: (number | string | Long);
  'num_write_errors'?: (number | string | Long);
}

export interface IoStats__Output {
  'name': (string);
  'num_read_ops': (number);
  'bytes_read': (number);
  'num_write_ops': (number);
  'bytes_written': (number);
  'num_unmap_ops': (number);
  'bytes_unmapped': (number);
  'read_latency_us': (number);
  'write_latency_us': (number);
  'unmap_latency_us': (number);
  'max_read_latency_us': (number);
  'min_read_latency_us': (number);
  'max_write_latency_us': (number);
  'min_write_latency_us': (number);
  'max_unmap_latency_us': (number);
  'min_unmap_latency_us': (number);
  /**
   * Ticks per second of the latency fields: 1000000 (they are microseconds).
   */
  'tick_rate': (number);
  'uuid': (string);
  'num_flush_ops': (number);
  'num_read_errors': (number);
  'num_write_errors': (number);
}
