// Original file: mayastor/v1/stats.proto

import type { ReplicaIoStats as _mayastor_v1_ReplicaIoStats, ReplicaIoStats__Output as _mayastor_v1_ReplicaIoStats__Output } from '../../mayastor/v1/ReplicaIoStats.js';

export interface ReplicaIoStatsResponse {
  'stats'?: (_mayastor_v1_ReplicaIoStats)[];
}

export interface ReplicaIoStatsResponse__Output {
  'stats': (_mayastor_v1_ReplicaIoStats__Output)[];
}
