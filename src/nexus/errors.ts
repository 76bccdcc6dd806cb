/** Stable error codes of the nexus (volume controller). */
import { errorFactory, type ErrorKind } from '../core/errors.js';

export const NexusErrors = {
  /** No healthy child is left: I/O cannot be served. */
  FAULTED: 'NEXUS_FAULTED',
  /** The nexus has been shut down (closed, or stopped itself after a persistence failure). */
  SHUTDOWN: 'NEXUS_SHUTDOWN',
  /** NexusInfo (or a child's I/O log) could not be made durable; the nexus shut itself down. */
  PERSIST_FAILED: 'NEXUS_PERSIST_FAILED',
  /** The stored NexusInfo is unreadable: freshness cannot be decided. */
  INFO_CORRUPT: 'NEXUS_INFO_CORRUPT',
  /** On (re)creation no child recorded healthy is present: an operator must decide. */
  NO_HEALTHY_CHILD: 'NEXUS_NO_HEALTHY_CHILD',
  CHILD_NOT_FOUND: 'NEXUS_CHILD_NOT_FOUND',
  CHILD_EXISTS: 'NEXUS_CHILD_EXISTS',
  /** The operation would leave the nexus without a healthy child. */
  LAST_HEALTHY_CHILD: 'NEXUS_LAST_HEALTHY_CHILD',
  /** The child is in a state that does not allow the operation. */
  CHILD_STATE: 'NEXUS_CHILD_STATE',
  /** I/O issued to the child before it was retired has not finished yet. */
  CHILD_BUSY: 'NEXUS_CHILD_BUSY',
  /** The child is smaller than the nexus or has another block size. */
  CHILD_GEOMETRY: 'NEXUS_CHILD_GEOMETRY',
  INVALID_ARGUMENT: 'NEXUS_INVALID_ARGUMENT',
  REBUILD_NOT_FOUND: 'NEXUS_REBUILD_NOT_FOUND',
  REBUILD_STATE: 'NEXUS_REBUILD_STATE',
  REBUILD_FAILED: 'NEXUS_REBUILD_FAILED',
} as const;

export type NexusErrorCode = (typeof NexusErrors)[keyof typeof NexusErrors];

const KIND: Record<NexusErrorCode, ErrorKind> = {
  NEXUS_FAULTED: 'Unavailable',
  NEXUS_SHUTDOWN: 'FailedPrecondition',
  NEXUS_PERSIST_FAILED: 'Unavailable',
  NEXUS_INFO_CORRUPT: 'DataLoss',
  NEXUS_NO_HEALTHY_CHILD: 'FailedPrecondition',
  NEXUS_CHILD_NOT_FOUND: 'NotFound',
  NEXUS_CHILD_EXISTS: 'AlreadyExists',
  NEXUS_LAST_HEALTHY_CHILD: 'FailedPrecondition',
  NEXUS_CHILD_STATE: 'FailedPrecondition',
  NEXUS_CHILD_BUSY: 'Unavailable',
  NEXUS_CHILD_GEOMETRY: 'InvalidArgument',
  NEXUS_INVALID_ARGUMENT: 'InvalidArgument',
  NEXUS_REBUILD_NOT_FOUND: 'NotFound',
  NEXUS_REBUILD_STATE: 'FailedPrecondition',
  NEXUS_REBUILD_FAILED: 'Aborted',
};

export const nexusError = errorFactory<NexusErrorCode>(KIND);
