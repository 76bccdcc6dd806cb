// Original file: mayastor/v1/pool.proto

import type { PoolType as _mayastor_v1_PoolType, PoolType__Output as _mayastor_v1_PoolType__Output } from '../../mayastor/v1/PoolType.js';

export interface ListPoolOptions {
  'name'?: (string);
  'pooltype'?: (_mayastor_v1_PoolType);
  'uuid'?: (string);
  '_name'?: "name";
  '_pooltype'?: "pooltype";
  '_uuid'?: "uuid";
}

export interface ListPoolOptions__Output {
  'name'?: (string);
  'pooltype'?: (_mayastor_v1_PoolType__Output);
  'uuid'?: (string);
  '_name'?: "name";
  '_pooltype'?: "pooltype";
  '_uuid'?: "uuid";
}
