// Original file: mayastor/v1/nexus.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface ListRebuildHistoryRequest {
  /**
   * At most this many records per nexus (newest first); 0 means all.
   */
  'count'?: (number);
  /**
   * Only records that ended after this time.
   */
  'since_end_time'?: (_google_protobuf_Timestamp | null);
  '_count'?: "count";
  '_since_end_time'?: "since_end_time";
}

export interface ListRebuildHistoryRequest__Output {
  /**
   * At most this many records per nexus (newest first); 0 means all.
   */
  'count'?: (number);
  /**
   * Only records that ended after this time.
   */
  'since_end_time'?: (_google_protobuf_Timestamp__Output | null);
  '_count'?: "count";
  '_since_end_time'?: "since_end_time";
}
