// Original file: mayastor/v1/pool.proto

import type { PoolState as _mayastor_v1_PoolState, PoolState__Output as _mayastor_v1_PoolState__Output } from '../../mayastor/v1/PoolState.js';
import type { PoolType as _mayastor_v1_PoolType, PoolType__Output as _mayastor_v1_PoolType__Output } from '../../mayastor/v1/PoolType.js';
import type { Long } from '@grpc/proto-loader';

export interface Pool {
  'uuid'?: (string);
  'name'?: (string);
  'disks'?: (string)[];
  'state'?: (_mayastor_v1_PoolState);
  /**
   * Bytes available to replicas.
   */
  'capacity'?: (number | string | Long);
  /**
   * Bytes of allocated clusters.
   */
  'used'?: (number | string | Long);
  'pooltype'?: (_mayastor_v1_PoolType);
  /**
   * Sum of replica sizes, thin ones included.
   */
  'committed'?: (number | string | Long);
  'cluster_size'?: (number);
  /**
   * The disk's block size.
   */
  'page_size'?: (number);
  /**
   * Size of the underlying disk.
   */
  'disk_capacity'?: (number | string | Long);
  /**
   * Number of replicas in the pool (extension).
   */
  'replica_count'?: (number);
  /**
   * Why the pool is faulted (extension).
   */
  'fault_reason'?: (string);
}

export interface Pool__Output {
  'uuid': (string);
  'name': (string);
  'disks': (string)[];
  'state': (_mayastor_v1_PoolState__Output);
  /**
   * Bytes available to replicas.
   */
  'capacity': (number);
  /**
   * Bytes of allocated clusters.
   */
  'used': (number);
  'pooltype': (_mayastor_v1_PoolType__Output);
  /**
   * Sum of replica sizes, thin ones included.
   */
  'committed': (number);
  'cluster_size': (number);
  /**
   * The disk's block size.
   */
  'page_size': (number);
  /**
   * Size of the underlying disk.
   */
  'disk_capacity': (number);
  /**
   * Number of replicas in the pool (extension).
   */
  'replica_count': (number);
  /**
   * Why the pool is faulted (extension).
   */
  'fault_reason': (string);
}
