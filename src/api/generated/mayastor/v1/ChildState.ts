// Original file: mayastor/v1/nexus.proto

export const ChildState = {
  CHILD_UNKNOWN: 'CHILD_UNKNOWN',
  /**
   * Open and in sync: serves reads and writes.
   */
  CHILD_ONLINE: 'CHILD_ONLINE',
  /**
   * Being rebuilt, closed, or out by request.
   */
  CHILD_DEGRADED: 'CHILD_DEGRADED',
  CHILD_FAULTED: 'CHILD_FAULTED',
} as const;

export type ChildState =
  | 'CHILD_UNKNOWN'
  | 0
  /**
   * Open and in sync: serves reads and writes.
   */
  | 'CHILD_ONLINE'
  | 1
  /**
   * Being rebuilt, closed, or out by request.
   */
  | 'CHILD_DEGRADED'
  | 2
  | 'CHILD_FAULTED'
  | 3

export type ChildState__Output = typeof ChildState[keyof typeof ChildState]
