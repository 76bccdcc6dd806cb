// Original file: mayastor/v1/nexus.proto

import type { RebuildHistoryResponse as _mayastor_v1_RebuildHistoryResponse, RebuildHistoryResponse__Output as _mayastor_v1_RebuildHistoryResponse__Output } from '../../mayastor/v1/RebuildHistoryResponse.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface ListRebuildHistoryResponse {
  /**
   * By nexus uuid.
   */
  'histories'?: ({[key: string]: _mayastor_v1_RebuildHistoryResponse});
  /**
   * End time of the newest record returned, to pass as since_end_time next time.
   */
  'end_time'?: (_google_protobuf_Timestamp | null);
  '_end_time'?: "end_time";
}

export interface ListRebuildHistoryResponse__Output {
  /**
   * By nexus uuid.
   */
  'histories': ({[key: string]: _mayastor_v1_RebuildHistoryResponse__Output});
  /**
   * End time of the newest record returned, to pass as since_end_time next time.
   */
  'end_time'?: (_google_protobuf_Timestamp__Output | null);
  '_end_time'?: "end_time";
}
