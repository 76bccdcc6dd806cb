/**
 * The one place where errors become gRPC statuses (and back, for clients).
 *
 * A MayastorError's `kind` picks the status code; its stable `code` travels in the trailing
 * metadata (`mayastor-error-code`, plus `mayastor-error-kind`) so that clients can match on it
 * without parsing messages. Anything that is not a MayastorError is a bug or an unexpected
 * system error and becomes INTERNAL, with its message.
 */
import * as grpc from '@grpc/grpc-js';
import { MayastorError, type ErrorKind } from '../core/errors.js';

export const ERROR_CODE_KEY = 'mayastor-error-code';
export const ERROR_KIND_KEY = 'mayastor-error-kind';
export const ERROR_DETAILS_KEY = 'mayastor-error-details';

const STATUS_OF_KIND: Record<ErrorKind, grpc.status> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  NotFound: grpc.status.NOT_FOUND,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  FailedPrecondition: grpc.status.FAILED_PRECONDITION,
  ResourceExhausted: grpc.status.RESOURCE_EXHAUSTED,
  OutOfRange: grpc.status.OUT_OF_RANGE,
  PermissionDenied: grpc.status.PERMISSION_DENIED,
  Unavailable: grpc.status.UNAVAILABLE,
  DeadlineExceeded: grpc.status.DEADLINE_EXCEEDED,
  Aborted: grpc.status.ABORTED,
  Unimplemented: grpc.status.UNIMPLEMENTED,
  DataLoss: grpc.status.DATA_LOSS,
  Internal: grpc.status.INTERNAL,
};

const KIND_OF_STATUS = new Map<grpc.status, ErrorKind>(
  Object.entries(STATUS_OF_KIND).map(([k, s]) => [s, k as ErrorKind]),
);

export function statusOfKind(kind: ErrorKind): grpc.status {
  return STATUS_OF_KIND[kind];
}

/** Turn anything thrown by a handler into a ServiceError with the stable code in the metadata. */
export function toServiceError(e: unknown): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (e instanceof MayastorError) {
    metadata.set(ERROR_CODE_KEY, e.code);
    metadata.set(ERROR_KIND_KEY, e.kind);
    if (e.details) {
      try {
        metadata.set(ERROR_DETAILS_KEY, JSON.stringify(e.details));
      } catch {
        // details that do not serialise are only a convenience; the message says it all
      }
    }
    return { code: statusOfKind(e.kind), details: e.message, metadata };
  }
  metadata.set(ERROR_CODE_KEY, 'INTERNAL');
  metadata.set(ERROR_KIND_KEY, 'Internal');
  const message = e instanceof Error ? e.message : String(e);
  return { code: grpc.status.INTERNAL, details: `internal error: ${message}`, metadata };
}

/**
 * Rebuild a MayastorError from a failed call on the client side: the stable code from the
 * metadata when the server sent one, otherwise one derived from the status (connection
 * failures are UNAVAILABLE, deadlines DEADLINE_EXCEEDED).
 */
export function fromServiceError(e: unknown): MayastorError {
  if (e instanceof MayastorError) return e;
  const se = e as Partial<grpc.ServiceError>;
  if (typeof se?.code !== 'number') {
    return new MayastorError('INTERNAL', 'Internal', e instanceof Error ? e.message : String(e));
  }
  const md = se.metadata;
  const code = md?.get(ERROR_CODE_KEY)[0];
  const kind =
    (md?.get(ERROR_KIND_KEY)[0] as ErrorKind | undefined) ?? KIND_OF_STATUS.get(se.code) ?? 'Internal';
  let details: Record<string, unknown> | undefined;
  const rawDetails = md?.get(ERROR_DETAILS_KEY)[0];
  if (typeof rawDetails === 'string') {
    try {
      details = JSON.parse(rawDetails) as Record<string, unknown>;
    } catch {
      details = undefined;
    }
  }
  const message = se.details || se.message || grpc.status[se.code] || 'gRPC call failed';
  return new MayastorError(
    typeof code === 'string' ? code : `GRPC_${grpc.status[se.code] ?? se.code}`,
    kind,
    message,
    { cause: e, details: { ...details, grpcStatus: grpc.status[se.code] } },
  );
}
