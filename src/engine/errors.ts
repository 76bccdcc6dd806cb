/** Stable error codes of the io-engine daemon (the layers below bring their own). */
import { errorFactory, type ErrorKind } from '../core/errors.js';

export const EngineErrors = {
  CONFIG_INVALID: 'ENGINE_CONFIG_INVALID',
  POOL_NOT_FOUND: 'ENGINE_POOL_NOT_FOUND',
  /** A pool of that name exists with another disk or uuid. */
  POOL_EXISTS: 'ENGINE_POOL_EXISTS',
  /** The disk is used by another pool, or is a device in use. */
  DISK_IN_USE: 'ENGINE_DISK_IN_USE',
  REPLICA_NOT_FOUND: 'ENGINE_REPLICA_NOT_FOUND',
  /** A replica of that uuid exists in another pool. */
  REPLICA_EXISTS: 'ENGINE_REPLICA_EXISTS',
  /** A local nexus uses the replica as a child. */
  REPLICA_IN_USE: 'ENGINE_REPLICA_IN_USE',
  NEXUS_NOT_FOUND: 'ENGINE_NEXUS_NOT_FOUND',
  NEXUS_EXISTS: 'ENGINE_NEXUS_EXISTS',
  /** Published with another protocol; unpublish first. */
  SHARE_CONFLICT: 'ENGINE_SHARE_CONFLICT',
  /** The protocol exists in the API but this io-engine does not serve it. */
  PROTOCOL_UNSUPPORTED: 'ENGINE_PROTOCOL_UNSUPPORTED',
  BDEV_NOT_FOUND: 'ENGINE_BDEV_NOT_FOUND',
  BDEV_IN_USE: 'ENGINE_BDEV_IN_USE',
  FAULT_INJECTION_DISABLED: 'ENGINE_FAULT_INJECTION_DISABLED',
  FAULT_NOT_FOUND: 'ENGINE_FAULT_NOT_FOUND',
  SHUTTING_DOWN: 'ENGINE_SHUTTING_DOWN',
  /** A child URI could not be opened. */
  CHILD_OPEN_FAILED: 'ENGINE_CHILD_OPEN_FAILED',
  STATE_FILE: 'ENGINE_STATE_FILE',
  /** Another io-engine holds the state directory. */
  STATE_DIR_IN_USE: 'ENGINE_STATE_DIR_IN_USE',
} as const;

export type EngineErrorCode = (typeof EngineErrors)[keyof typeof EngineErrors];

const KIND: Record<EngineErrorCode, ErrorKind> = {
  ENGINE_CONFIG_INVALID: 'InvalidArgument',
  ENGINE_POOL_NOT_FOUND: 'NotFound',
  ENGINE_POOL_EXISTS: 'AlreadyExists',
  ENGINE_DISK_IN_USE: 'FailedPrecondition',
  ENGINE_REPLICA_NOT_FOUND: 'NotFound',
  ENGINE_REPLICA_EXISTS: 'AlreadyExists',
  ENGINE_REPLICA_IN_USE: 'FailedPrecondition',
  ENGINE_NEXUS_NOT_FOUND: 'NotFound',
  ENGINE_NEXUS_EXISTS: 'AlreadyExists',
  ENGINE_SHARE_CONFLICT: 'FailedPrecondition',
  ENGINE_PROTOCOL_UNSUPPORTED: 'Unimplemented',
  ENGINE_BDEV_NOT_FOUND: 'NotFound',
  ENGINE_BDEV_IN_USE: 'FailedPrecondition',
  ENGINE_FAULT_INJECTION_DISABLED: 'FailedPrecondition',
  ENGINE_FAULT_NOT_FOUND: 'NotFound',
  ENGINE_SHUTTING_DOWN: 'Unavailable',
  ENGINE_CHILD_OPEN_FAILED: 'Unavailable',
  ENGINE_STATE_FILE: 'Internal',
  ENGINE_STATE_DIR_IN_USE: 'FailedPrecondition',
};

export const engineError = errorFactory<EngineErrorCode>(KIND);
