/** Stable error codes of the pool and replica layer. */
import { errorFactory, type ErrorKind } from '../core/errors.js';

export const PoolErrors = {
  /** The device holds data that is not one of our pools; creating would destroy it. */
  DEVICE_NOT_EMPTY: 'POOL_DEVICE_NOT_EMPTY',
  /** The device holds a different pool than the one asked for. */
  DEVICE_HOLDS_OTHER_POOL: 'POOL_DEVICE_HOLDS_OTHER_POOL',
  DEVICE_TOO_SMALL: 'POOL_DEVICE_TOO_SMALL',
  /** No pool on the device (import). */
  NOT_FOUND: 'POOL_NOT_FOUND',
  /** On-disk metadata fails its checks; the pool is not imported rather than guessed at. */
  CORRUPT: 'POOL_CORRUPT',
  UNSUPPORTED_VERSION: 'POOL_UNSUPPORTED_VERSION',
  GEOMETRY_MISMATCH: 'POOL_GEOMETRY_MISMATCH',
  INVALID_ARGUMENT: 'POOL_INVALID_ARGUMENT',
  /** A metadata write failed; the pool refuses further changes and I/O until re-imported. */
  FAULTED: 'POOL_FAULTED',
  EXPORTED: 'POOL_EXPORTED',
  NO_SPACE: 'POOL_NO_SPACE',
  METADATA_FULL: 'POOL_METADATA_FULL',
  REPLICA_EXISTS: 'REPLICA_EXISTS',
  REPLICA_NOT_FOUND: 'REPLICA_NOT_FOUND',
  REPLICA_IN_USE: 'REPLICA_IN_USE',
  REPLICA_SHRINK: 'REPLICA_SHRINK_NOT_SUPPORTED',
} as const;

export type PoolErrorCode = (typeof PoolErrors)[keyof typeof PoolErrors];

const KIND: Record<PoolErrorCode, ErrorKind> = {
  POOL_DEVICE_NOT_EMPTY: 'FailedPrecondition',
  POOL_DEVICE_HOLDS_OTHER_POOL: 'AlreadyExists',
  POOL_DEVICE_TOO_SMALL: 'InvalidArgument',
  POOL_NOT_FOUND: 'NotFound',
  POOL_CORRUPT: 'DataLoss',
  POOL_UNSUPPORTED_VERSION: 'FailedPrecondition',
  POOL_GEOMETRY_MISMATCH: 'FailedPrecondition',
  POOL_INVALID_ARGUMENT: 'InvalidArgument',
  POOL_FAULTED: 'Unavailable',
  POOL_EXPORTED: 'FailedPrecondition',
  POOL_NO_SPACE: 'ResourceExhausted',
  POOL_METADATA_FULL: 'ResourceExhausted',
  REPLICA_EXISTS: 'AlreadyExists',
  REPLICA_NOT_FOUND: 'NotFound',
  REPLICA_IN_USE: 'FailedPrecondition',
  REPLICA_SHRINK_NOT_SUPPORTED: 'InvalidArgument',
};

export const poolError = errorFactory<PoolErrorCode>(KIND);
