// Original file: mayastor/v1/pool.proto

import type { PoolType as _mayastor_v1_PoolType, PoolType__Output as _mayastor_v1_PoolType__Output } from '../../mayastor/v1/PoolType.js';

export interface CreatePoolRequest {
  /**
   * Unique on the node; 1..255 bytes.
   */
  'name'?: (string);
  'uuid'?: (string);
  /**
   * Exactly one disk URI: /dev/sdb, aio:///path, uring:///dev/nvme0n1, malloc:///m0?size_mb=64.
   */
  'disks'?: (string)[];
  'pooltype'?: (_mayastor_v1_PoolType);
  /**
   * Bytes, power of two, 1 MiB .. 1 GiB; default 4 MiB.
   */
  'cluster_size'?: (number);
  /**
   * Format even if the disk holds other data or another pool (extension).
   */
  'overwrite'?: (boolean);
  '_uuid'?: "uuid";
  '_cluster_size'?: "cluster_size";
}

export interface CreatePoolRequest__Output {
  /**
   * Unique on the node; 1..255 bytes.
   */
  'name': (string);
  'uuid'?: (string);
  /**
   * Exactly one disk URI: /dev/sdb, aio:///path, uring:///dev/nvme0n1, malloc:///m0?size_mb=64.
   */
  'disks': (string)[];
  'pooltype': (_mayastor_v1_PoolType__Output);
  /**
   * Bytes, power of two, 1 MiB .. 1 GiB; default 4 MiB.
   */
  'cluster_size'?: (number);
  /**
   * Format even if the disk holds other data or another pool (extension).
   */
  'overwrite': (boolean);
  '_uuid'?: "uuid";
  '_cluster_size'?: "cluster_size";
}
