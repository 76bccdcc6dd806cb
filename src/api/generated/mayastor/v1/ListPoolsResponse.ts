// Original file: mayastor/v1/pool.proto

import type { Pool as _mayastor_v1_Pool, Pool__Output as _mayastor_v1_Pool__Output } from '../../mayastor/v1/Pool.js';

export interface ListPoolsResponse {
  'pools'?: (_mayastor_v1_Pool)[];
}

export interface ListPoolsResponse__Output {
  'pools': (_mayastor_v1_Pool__Output)[];
}
