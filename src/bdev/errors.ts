/** Stable error codes of the block-device layer, and the mapping from Node's errno errors. */
import { errorFactory, type ErrorKind, MayastorError } from '../core/errors.js';

export const BdevErrors = {
  URI_INVALID: 'BDEV_URI_INVALID',
  UNSUPPORTED_SCHEME: 'BDEV_UNSUPPORTED_SCHEME',
  NOT_FOUND: 'BDEV_NOT_FOUND',
  EXISTS: 'BDEV_EXISTS',
  SIZE_INVALID: 'BDEV_SIZE_INVALID',
  BLOCK_SIZE_INVALID: 'BDEV_BLOCK_SIZE_INVALID',
  MISALIGNED: 'BDEV_MISALIGNED',
  OUT_OF_RANGE: 'BDEV_OUT_OF_RANGE',
  CLOSED: 'BDEV_CLOSED',
  IO_ERROR: 'BDEV_IO_ERROR',
  TIMEOUT: 'BDEV_TIMEOUT',
  NO_SPACE: 'BDEV_NO_SPACE',
  PERMISSION_DENIED: 'BDEV_PERMISSION_DENIED',
  BUSY: 'BDEV_BUSY',
  READ_ONLY: 'BDEV_READ_ONLY',
} as const;

export type BdevErrorCode = (typeof BdevErrors)[keyof typeof BdevErrors];

const KIND: Record<BdevErrorCode, ErrorKind> = {
  BDEV_URI_INVALID: 'InvalidArgument',
  BDEV_UNSUPPORTED_SCHEME: 'InvalidArgument',
  BDEV_NOT_FOUND: 'NotFound',
  BDEV_EXISTS: 'AlreadyExists',
  BDEV_SIZE_INVALID: 'InvalidArgument',
  BDEV_BLOCK_SIZE_INVALID: 'InvalidArgument',
  BDEV_MISALIGNED: 'InvalidArgument',
  BDEV_OUT_OF_RANGE: 'OutOfRange',
  BDEV_CLOSED: 'FailedPrecondition',
  BDEV_IO_ERROR: 'Unavailable',
  BDEV_TIMEOUT: 'DeadlineExceeded',
  BDEV_NO_SPACE: 'ResourceExhausted',
  BDEV_PERMISSION_DENIED: 'PermissionDenied',
  BDEV_BUSY: 'FailedPrecondition',
  BDEV_READ_ONLY: 'PermissionDenied',
};

export const bdevError = errorFactory<BdevErrorCode>(KIND);

/** Map a Node.js system error (errno) raised while touching `what` to a bdev error. */
export function fromErrno(e: unknown, what: string): MayastorError {
  if (e instanceof MayastorError) return e;
  const errno = (e as NodeJS.ErrnoException | undefined)?.code;
  const msg = (e as Error | undefined)?.message ?? String(e);
  switch (errno) {
    case 'ENOENT':
      return bdevError(BdevErrors.NOT_FOUND, `${what}: no such file or device`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return bdevError(BdevErrors.PERMISSION_DENIED, `${what}: permission denied`, { cause: e });
    case 'EROFS':
      return bdevError(BdevErrors.READ_ONLY, `${what}: read-only file system`, { cause: e });
    case 'ENOSPC':
    case 'EDQUOT':
      return bdevError(BdevErrors.NO_SPACE, `${what}: no space left on device`, { cause: e });
    case 'EBUSY':
      return bdevError(BdevErrors.BUSY, `${what}: device is busy (mounted or held by another process)`, {
        cause: e,
      });
    case 'ETIMEDOUT':
      return bdevError(BdevErrors.TIMEOUT, `${what}: timed out`, { cause: e });
    default:
      return bdevError(BdevErrors.IO_ERROR, `${what}: ${msg}`, { cause: e, details: { errno } });
  }
}

/** True for errors that say something about the device's health (as opposed to a caller's mistake). */
export function isMediaError(e: unknown): boolean {
  if (!(e instanceof MayastorError)) return true;
  return (
    e.code === BdevErrors.IO_ERROR ||
    e.code === BdevErrors.TIMEOUT ||
    e.code === BdevErrors.NO_SPACE ||
    e.code === BdevErrors.CLOSED
  );
}
