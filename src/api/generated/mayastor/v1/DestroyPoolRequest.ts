// Original file: mayastor/v1/pool.proto

import type { PoolType as _mayastor_v1_PoolType, PoolType__Output as _mayastor_v1_PoolType__Output } from '../../mayastor/v1/PoolType.js';

export interface DestroyPoolRequest {
  'name'?: (string);
  'uuid'?: (string);
  'pooltype'?: (_mayastor_v1_PoolType);
  '_uuid'?: "uuid";
}

export interface DestroyPoolRequest__Output {
  'name': (string);
  'uuid'?: (string);
  'pooltype': (_mayastor_v1_PoolType__Output);
  '_uuid'?: "uuid";
}
