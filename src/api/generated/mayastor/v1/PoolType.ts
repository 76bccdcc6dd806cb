// Original file: mayastor/v1/pool.proto

export const PoolType = {
  LVS: 'LVS',
  /**
   * Reserved for compatibility with Mayastor; not implemented.
   */
  LVM: 'LVM',
} as const;

export type PoolType =
  | 'LVS'
  | 0
  /**
   * Reserved for compatibility with Mayastor; not implemented.
   */
  | 'LVM'
  | 1

export type PoolType__Output = typeof PoolType[keyof typeof PoolType]
