/** Stable error codes of the NBD layer. */
import { errorFactory, type ErrorKind } from '../core/errors.js';

export const NbdErrors = {
  EXPORT_EXISTS: 'NBD_EXPORT_EXISTS',
  EXPORT_NOT_FOUND: 'NBD_EXPORT_NOT_FOUND',
  EXPORT_NAME_INVALID: 'NBD_EXPORT_NAME_INVALID',
  ADDRESS_INVALID: 'NBD_ADDRESS_INVALID',
  LISTEN_FAILED: 'NBD_LISTEN_FAILED',
  SERVER_STOPPED: 'NBD_SERVER_STOPPED',
  /** A client broke the protocol; its connection was closed (appears in logs). */
  PROTOCOL_VIOLATION: 'NBD_PROTOCOL_VIOLATION',
} as const;

export type NbdErrorCode = (typeof NbdErrors)[keyof typeof NbdErrors];

const KIND: Record<NbdErrorCode, ErrorKind> = {
  NBD_EXPORT_EXISTS: 'AlreadyExists',
  NBD_EXPORT_NOT_FOUND: 'NotFound',
  NBD_EXPORT_NAME_INVALID: 'InvalidArgument',
  NBD_ADDRESS_INVALID: 'InvalidArgument',
  NBD_LISTEN_FAILED: 'Unavailable',
  NBD_SERVER_STOPPED: 'FailedPrecondition',
  NBD_PROTOCOL_VIOLATION: 'InvalidArgument',
};

export const nbdError = errorFactory<NbdErrorCode>(KIND);
