/**
 * Errors with a stable code and a kind.
 *
 * `code` is a stable UPPER_SNAKE identifier that scripts and operators can match on; each layer
 * defines its own codes next to the code that raises them. `kind` is one of gRPC's canonical
 * status categories, so the faces (gRPC, REST, CLI) can map any error without knowing the layer
 * that raised it. `message` says what happened and, where possible, what to do about it.
 */
export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'AlreadyExists'
  | 'FailedPrecondition'
  | 'ResourceExhausted'
  | 'OutOfRange'
  | 'PermissionDenied'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'Aborted'
  | 'Unimplemented'
  | 'DataLoss'
  | 'Internal';

export interface ErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class MayastorError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, kind: ErrorKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MayastorError';
    this.code = code;
    this.kind = kind;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/**
 * The error constructor of one layer: its stable codes, each mapped once to its kind, so that a
 * call site names only the code and a message the user can act on.
 */
export function errorFactory<C extends string>(
  kinds: Record<C, ErrorKind>,
): (code: C, message: string, options?: ErrorOptions) => MayastorError {
  return (code, message, options = {}) => new MayastorError(code, kinds[code], message, options);
}

export function isMayastorError(e: unknown, code?: string): e is MayastorError {
  return e instanceof MayastorError && (code === undefined || e.code === code);
}

/** Codes that belong to no particular layer. */
export const CoreErrors = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_SIZE: 'INVALID_SIZE',
  INVALID_UUID: 'INVALID_UUID',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
} as const;

export function invalidArgument(message: string, details?: Record<string, unknown>): MayastorError {
  return new MayastorError(CoreErrors.INVALID_ARGUMENT, 'InvalidArgument', message, { details });
}

/** Render any thrown value as a one-line message (for logs and CLI output). */
export function describeError(e: unknown): string {
  if (e instanceof MayastorError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
