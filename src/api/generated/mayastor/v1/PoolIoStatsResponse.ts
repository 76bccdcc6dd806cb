// Original file: mayastor/v1/stats.proto

import type { IoStats as _mayastor_v1_IoStats, IoStats__Output as _mayastor_v1_IoStats__Output } from '../../mayastor/v1/IoStats.js';

export interface PoolIoStatsResponse {
  'stats'?: (_mayastor_v1_IoStats)[];
}

export interface PoolIoStatsResponse__Output {
  'stats': (_mayastor_v1_IoStats__Output)[];
}
