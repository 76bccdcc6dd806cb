// Original file: mayastor/v1/nexus.proto

export const ChildStateReason = {
  NONE: 'NONE',
  INIT: 'INIT',
  CLOSED: 'CLOSED',
  CANNOT_OPEN: 'CANNOT_OPEN',
  CONFIG_INVALID: 'CONFIG_INVALID',
  REBUILD_FAILED: 'REBUILD_FAILED',
  IO_FAILURE: 'IO_FAILURE',
  BY_CLIENT: 'BY_CLIENT',
  OUT_OF_SYNC: 'OUT_OF_SYNC',
  NO_SPACE: 'NO_SPACE',
  TIMED_OUT: 'TIMED_OUT',
  ADMIN_FAILED: 'ADMIN_FAILED',
} as const;

export type ChildStateReason =
  | 'NONE'
  | 0
  | 'INIT'
  | 1
  | 'CLOSED'
  | 2
  | 'CANNOT_OPEN'
  | 3
  | 'CONFIG_INVALID'
  | 4
  | 'REBUILD_FAILED'
  | 5
  | 'IO_FAILURE'
  | 6
  | 'BY_CLIENT'
  | 7
  | 'OUT_OF_SYNC'
  | 8
  | 'NO_SPACE'
  | 9
  | 'TIMED_OUT'
  | 10
  | 'ADMIN_FAILED'
  | 11

export type ChildStateReason__Output = typeof ChildStateReason[keyof typeof ChildStateReason]
