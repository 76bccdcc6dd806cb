// Original file: mayastor/v1/nexus.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface RebuildStatsResponse {
  'nexus_uuid'?: (string);
  'uri'?: (string);
  'blocks_total'?: (number | string | Long);
  'blocks_recovered'?: (number | string | Long);
  /**
   * Percent.
   */
  'progress'?: (number | string | Long);
  'blocks_per_task'?: (number | string | Long);
  'block_size'?: (number | string | Long);
  'tasks_total'?: (number | string | Long);
  'tasks_active'?: (number | string | Long);
  'blocks_transferred'?: (number | string | Long);
  'blocks_remaining'?: (number | string | Long);
  'is_partial'?: (boolean);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'state'?: (string);
  'src_uri'?: (string);
  'throughput_bytes_per_sec'?: (number | string | Long);
}

export interface RebuildStatsResponse__Output {
  'nexus_uuid': (string);
  'uri': (string);
  'blocks_total': (number);
  'blocks_recovered': (number);
  /**
   * Percent.
   */
  'progress': (number);
  'blocks_per_task': (number);
  'block_size': (number);
  'tasks_total': (number);
  'tasks_active': (number);
  'blocks_transferred': (number);
  'blocks_remaining': (number);
  'is_partial': (boolean);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'state': (string);
  'src_uri': (string);
  'throughput_bytes_per_sec': (number);
}
