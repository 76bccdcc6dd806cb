// Original file: mayastor/v1/nexus.proto

import type { RebuildHistoryRecord as _mayastor_v1_RebuildHistoryRecord, RebuildHistoryRecord__Output as _mayastor_v1_RebuildHistoryRecord__Output } from '../../mayastor/v1/RebuildHistoryRecord.js';

export interface RebuildHistoryResponse {
  'name'?: (string);
  'uuid'?: (string);
  'records'?: (_mayastor_v1_RebuildHistoryRecord)[];
}

export interface RebuildHistoryResponse__Output {
  'name': (string);
  'uuid': (string);
  'records': (_mayastor_v1_RebuildHistoryRecord__Output)[];
}
