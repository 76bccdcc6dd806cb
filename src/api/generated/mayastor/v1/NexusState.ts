// Original file: mayastor/v1/nexus.proto

export const NexusState = {
  NEXUS_UNKNOWN: 'NEXUS_UNKNOWN',
  /**
   * Every child is healthy.
   */
  NEXUS_ONLINE: 'NEXUS_ONLINE',
  /**
   * At least one child is healthy, not all.
   */
  NEXUS_DEGRADED: 'NEXUS_DEGRADED',
  /**
   * No healthy child: I/O fails.
   */
  NEXUS_FAULTED: 'NEXUS_FAULTED',
  NEXUS_SHUTTING_DOWN: 'NEXUS_SHUTTING_DOWN',
  NEXUS_SHUTDOWN: 'NEXUS_SHUTDOWN',
} as const;

export type NexusState =
  | 'NEXUS_UNKNOWN'
  | 0
  /**
   * Every child is healthy.
   */
  | 'NEXUS_ONLINE'
  | 1
  /**
   * At least one child is healthy, not all.
   */
  | 'NEXUS_DEGRADED'
  | 2
  /**
   * No healthy child: I/O fails.
   */
  | 'NEXUS_FAULTED'
  | 3
  | 'NEXUS_SHUTTING_DOWN'
  | 4
  | 'NEXUS_SHUTDOWN'
  | 5

export type NexusState__Output = typeof NexusState[keyof typeof NexusState]
