/**
 * NVMe completion statuses the target returns, and the mapping from block-device errors to them.
 *
 * DNR (Do Not Retry) is set where a retry of the same command cannot succeed (a bad field, an
 * LBA past the end, no space); it is left clear for errors that may be transient (an I/O error
 * of a nexus child that gets retired, a device being closed under a namespace), so the Linux
 * host retries those (nvme_max_retries) before failing the request up the stack.
 */
import { MayastorError } from '../../core/errors.js';
import { BdevErrors } from '../../bdev/errors.js';
import { CommandSpecificSc, GenericSc, MediaSc, Sct, status } from '../spec.js';

export const St = {
  SUCCESS: 0,
  INVALID_OPCODE: status(Sct.Generic, GenericSc.InvalidOpcode, true),
  INVALID_FIELD: status(Sct.Generic, GenericSc.InvalidField, true),
  CID_CONFLICT: status(Sct.Generic, GenericSc.CommandIdConflict, true),
  DATA_TRANSFER_ERROR: status(Sct.Generic, GenericSc.DataTransferError),
  INTERNAL: status(Sct.Generic, GenericSc.InternalError),
  ABORT_SQ_DELETED: status(Sct.Generic, GenericSc.AbortSqDeleted),
  INVALID_NS: status(Sct.Generic, GenericSc.InvalidNamespaceOrFormat, true),
  CMD_SEQ_ERROR: status(Sct.Generic, GenericSc.CommandSequenceError, true),
  SGL_DESC_TYPE_INVALID: status(Sct.Generic, GenericSc.SglDescriptorTypeInvalid, true),
  SGL_LENGTH_INVALID: status(Sct.Generic, GenericSc.DataSglLengthInvalid, true),
  SGL_OFFSET_INVALID: status(Sct.Generic, GenericSc.InvalidSglOffset, true),
  KATO_INVALID: status(Sct.Generic, GenericSc.KeepAliveTimeoutInvalid, true),
  WRITE_PROTECTED: status(Sct.Generic, GenericSc.NamespaceIsWriteProtected, true),
  TRANSIENT_TRANSPORT: status(Sct.Generic, GenericSc.TransientTransportError),
  LBA_OUT_OF_RANGE: status(Sct.Generic, GenericSc.LbaOutOfRange, true),
  CAPACITY_EXCEEDED: status(Sct.Generic, GenericSc.CapacityExceeded, true),
  NS_NOT_READY: status(Sct.Generic, GenericSc.NamespaceNotReady),
  INVALID_LOG_PAGE: status(Sct.CommandSpecific, CommandSpecificSc.InvalidLogPage, true),
  AER_LIMIT: status(Sct.CommandSpecific, CommandSpecificSc.AsyncEventRequestLimitExceeded, true),
  FEATURE_NOT_SAVEABLE: status(Sct.CommandSpecific, CommandSpecificSc.FeatureIdNotSaveable, true),
  FEATURE_NOT_CHANGEABLE: status(Sct.CommandSpecific, CommandSpecificSc.FeatureNotChangeable, true),
  CONNECT_INCOMPATIBLE_FORMAT: status(Sct.CommandSpecific, CommandSpecificSc.ConnectIncompatibleFormat, true),
  CONNECT_CONTROLLER_BUSY: status(Sct.CommandSpecific, CommandSpecificSc.ConnectControllerBusy, true),
  CONNECT_INVALID_PARAMETERS: status(Sct.CommandSpecific, CommandSpecificSc.ConnectInvalidParameters, true),
  CONNECT_INVALID_HOST: status(Sct.CommandSpecific, CommandSpecificSc.ConnectInvalidHost, true),
  WRITE_FAULT: status(Sct.MediaError, MediaSc.WriteFault),
  UNRECOVERED_READ: status(Sct.MediaError, MediaSc.UnrecoveredReadError),
} as const;

export type IoKind = 'read' | 'write' | 'flush' | 'unmap' | 'writeZeroes';

/** The NVMe status for a failed BlockDevice call. */
export function statusForError(e: unknown, kind: IoKind): number {
  const code = e instanceof MayastorError ? e.code : undefined;
  switch (code) {
    case BdevErrors.OUT_OF_RANGE:
      return St.LBA_OUT_OF_RANGE;
    case BdevErrors.NO_SPACE:
      return St.CAPACITY_EXCEEDED;
    case BdevErrors.READ_ONLY:
    case BdevErrors.PERMISSION_DENIED:
      return kind === 'read' ? St.UNRECOVERED_READ : St.WRITE_PROTECTED;
    case BdevErrors.MISALIGNED:
      return St.INVALID_FIELD;
    case BdevErrors.CLOSED:
    case BdevErrors.BUSY:
      return St.NS_NOT_READY;
    case BdevErrors.IO_ERROR:
    case BdevErrors.TIMEOUT:
      return kind === 'read' ? St.UNRECOVERED_READ : St.WRITE_FAULT;
    default:
      return St.INTERNAL;
  }
}

/**
 * Connect Invalid Parameters carries where the bad field is (NVMe over Fabrics, Connect
 * response): DW0 bits 15:0 IPO, the byte offset of the field; bits 23:16 IATTR, whose bit 0 says
 * the offset is in the connect data rather than in the command. (As Linux nvmet, SPDK and the
 * FreeBSD target lay it out; hosts decode it this way.)
 */
export function connectInvalidParamDw0(inData: boolean, offset: number): number {
  return ((inData ? 1 : 0) << 16) | (offset & 0xffff);
}
