// Original file: mayastor/v1/stats.proto

import type { IoStats as _mayastor_v1_IoStats, IoStats__Output as _mayastor_v1_IoStats__Output } from '../../mayastor/v1/IoStats.js';

export interface ReplicaIoStats {
  /**
   * The volume the replica belongs to.
   */
  'entity_id'?: (string);
  'stats'?: (_mayastor_v1_IoStats | null);
  'poolname'?: (string);
}

export interface ReplicaIoStats__Output {
  /**
   * The volume the replica belongs to.
   */
  'entity_id': (string);
  'stats': (_mayastor_v1_IoStats__Output | null);
  'poolname': (string);
}
