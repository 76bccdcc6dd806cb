// Original file: mayastor/v1/nexus.proto

export const RebuildJobState = {
  Init: 'Init',
  Rebuilding: 'Rebuilding',
  Stopped: 'Stopped',
  Paused: 'Paused',
  Failed: 'Failed',
  Completed: 'Completed',
} as const;

export type RebuildJobState =
  | 'Init'
  | 0
  | 'Rebuilding'
  | 1
  | 'Stopped'
  | 2
  | 'Paused'
  | 3
  | 'Failed'
  | 4
  | 'Completed'
  | 5

export type RebuildJobState__Output = typeof RebuildJobState[keyof typeof RebuildJobState]
