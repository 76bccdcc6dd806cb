/**
 * Errors of the NVMe-oF initiator.
 *
 * Two families:
 * - Failures to *establish* a controller (TCP connect, ICReq, Fabrics Connect, identify) carry
 *   NVMF_* codes below; they surface from `NvmfBlockDevice.connect` / a registry `create`, where
 *   Mayastor would fault a child with CantOpen.
 * - Failures of an *I/O* carry the block-device codes of src/bdev/errors.ts (BDEV_TIMEOUT,
 *   BDEV_IO_ERROR, ...), because the nexus decides what to do with a child from those. The NVMe
 *   status, when there is one, rides along in `details.nvme` so a caller can look closer (the
 *   nexus, for example, must tell RESERVATION_CONFLICT apart).
 */
import { MayastorError, type ErrorKind } from '../../core/errors.js';
import { bdevError, BdevErrors, type BdevErrorCode } from '../../bdev/errors.js';
import { CommandSpecificSc, GenericSc, MediaSc, Sct, statusDnr, statusSc, statusSct } from '../spec.js';

export const NvmfErrors = {
  /** TCP connection, ICReq/ICResp or Fabrics Connect failed. */
  CONNECT_FAILED: 'NVMF_CONNECT_FAILED',
  /** The peer broke the NVMe/TCP protocol (framing, digests, unexpected PDUs). */
  PROTOCOL_ERROR: 'NVMF_PROTOCOL_ERROR',
  /** The controller refused this host (Connect Invalid Host). */
  ACCESS_DENIED: 'NVMF_ACCESS_DENIED',
  /** No such subsystem or namespace on the target. */
  NOT_FOUND: 'NVMF_NOT_FOUND',
  /** The namespace is not the one we expected (uuid, block size, size shrank). */
  NAMESPACE_MISMATCH: 'NVMF_NAMESPACE_MISMATCH',
  /** The controller lacks something this initiator needs (SGLs, an NVM command set, ...). */
  UNSUPPORTED: 'NVMF_UNSUPPORTED',
  /** An admin command failed with an NVMe status. */
  ADMIN_COMMAND_FAILED: 'NVMF_ADMIN_COMMAND_FAILED',
} as const;

export type NvmfErrorCode = (typeof NvmfErrors)[keyof typeof NvmfErrors];

const KIND: Record<NvmfErrorCode, ErrorKind> = {
  NVMF_CONNECT_FAILED: 'Unavailable',
  NVMF_PROTOCOL_ERROR: 'Unavailable',
  NVMF_ACCESS_DENIED: 'PermissionDenied',
  NVMF_NOT_FOUND: 'NotFound',
  NVMF_NAMESPACE_MISMATCH: 'FailedPrecondition',
  NVMF_UNSUPPORTED: 'FailedPrecondition',
  NVMF_ADMIN_COMMAND_FAILED: 'Unavailable',
};

export function nvmfError(
  code: NvmfErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): MayastorError {
  return new MayastorError(code, KIND[code], message, options);
}

/** The structured form of an NVMe status, for `details.nvme`. */
export interface NvmeStatusDetails {
  sct: number;
  sc: number;
  dnr: boolean;
  /** A readable name such as "LBA Out of Range", or "SCT x SC y". */
  name: string;
}

const GENERIC_NAMES: Record<number, string> = {
  [GenericSc.InvalidOpcode]: 'Invalid Command Opcode',
  [GenericSc.InvalidField]: 'Invalid Field in Command',
  [GenericSc.CommandIdConflict]: 'Command ID Conflict',
  [GenericSc.DataTransferError]: 'Data Transfer Error',
  [GenericSc.PowerLossAbort]: 'Commands Aborted due to Power Loss',
  [GenericSc.InternalError]: 'Internal Error',
  [GenericSc.AbortRequested]: 'Command Abort Requested',
  [GenericSc.AbortSqDeleted]: 'Command Aborted due to SQ Deletion',
  [GenericSc.InvalidNamespaceOrFormat]: 'Invalid Namespace or Format',
  [GenericSc.CommandSequenceError]: 'Command Sequence Error',
  [GenericSc.InvalidSglDescriptor]: 'Invalid SGL Segment Descriptor',
  [GenericSc.InvalidSglCount]: 'Invalid Number of SGL Descriptors',
  [GenericSc.DataSglLengthInvalid]: 'Data SGL Length Invalid',
  [GenericSc.SglDescriptorTypeInvalid]: 'SGL Descriptor Type Invalid',
  [GenericSc.InvalidSglOffset]: 'Invalid SGL Offset',
  [GenericSc.KeepAliveTimerExpired]: 'Keep Alive Timer Expired',
  [GenericSc.KeepAliveTimeoutInvalid]: 'Keep Alive Timeout Invalid',
  [GenericSc.NamespaceIsWriteProtected]: 'Namespace is Write Protected',
  [GenericSc.CommandInterrupted]: 'Command Interrupted',
  [GenericSc.TransientTransportError]: 'Transient Transport Error',
  [GenericSc.LbaOutOfRange]: 'LBA Out of Range',
  [GenericSc.CapacityExceeded]: 'Capacity Exceeded',
  [GenericSc.NamespaceNotReady]: 'Namespace Not Ready',
  [GenericSc.ReservationConflict]: 'Reservation Conflict',
};

const COMMAND_SPECIFIC_NAMES: Record<number, string> = {
  [CommandSpecificSc.InvalidQueueIdentifier]: 'Invalid Queue Identifier',
  [CommandSpecificSc.InvalidQueueSize]: 'Invalid Queue Size',
  [CommandSpecificSc.InvalidLogPage]: 'Invalid Log Page',
  [CommandSpecificSc.ConnectIncompatibleFormat]: 'Connect Incompatible Format',
  [CommandSpecificSc.ConnectControllerBusy]: 'Connect Controller Busy',
  [CommandSpecificSc.ConnectInvalidParameters]: 'Connect Invalid Parameters',
  [CommandSpecificSc.ConnectRestartDiscovery]: 'Connect Restart Discovery',
  [CommandSpecificSc.ConnectInvalidHost]: 'Connect Invalid Host',
};

const MEDIA_NAMES: Record<number, string> = {
  [MediaSc.WriteFault]: 'Write Fault',
  [MediaSc.UnrecoveredReadError]: 'Unrecovered Read Error',
  [MediaSc.AccessDenied]: 'Access Denied',
  [MediaSc.DeallocatedOrUnwrittenBlock]: 'Deallocated or Unwritten Logical Block',
};

export function describeStatus(status: number): NvmeStatusDetails {
  const sct = statusSct(status);
  const sc = statusSc(status);
  const table =
    sct === Sct.Generic
      ? GENERIC_NAMES
      : sct === Sct.CommandSpecific
        ? COMMAND_SPECIFIC_NAMES
        : sct === Sct.MediaError
          ? MEDIA_NAMES
          : {};
  const name = table[sc] ?? `SCT 0x${sct.toString(16)} SC 0x${sc.toString(16)}`;
  return { sct, sc, dnr: statusDnr(status), name };
}

/** The block-device code an I/O command's NVMe status maps to. */
function bdevCodeFor(status: number): BdevErrorCode {
  const sct = statusSct(status);
  const sc = statusSc(status);
  if (sct === Sct.Generic) {
    switch (sc) {
      case GenericSc.LbaOutOfRange:
        return BdevErrors.OUT_OF_RANGE;
      case GenericSc.CapacityExceeded:
        return BdevErrors.NO_SPACE;
      case GenericSc.NamespaceIsWriteProtected:
        return BdevErrors.READ_ONLY;
      case GenericSc.ReservationConflict:
        // The nexus must not retire a child for this (it is fencing, see details.nvme).
        return BdevErrors.PERMISSION_DENIED;
    }
  }
  if (sct === Sct.MediaError && sc === MediaSc.AccessDenied) return BdevErrors.PERMISSION_DENIED;
  return BdevErrors.IO_ERROR;
}

/** Turn a failed I/O command's status into the error its caller sees. */
export function ioStatusError(status: number, what: string): MayastorError {
  const nvme = describeStatus(status);
  return bdevError(bdevCodeFor(status), `${what} failed: ${nvme.name}`, { details: { nvme } });
}

/** Turn a failed admin or Fabrics command's status into an NVMF error. */
export function adminStatusError(
  status: number,
  what: string,
  code: NvmfErrorCode = NvmfErrors.ADMIN_COMMAND_FAILED,
): MayastorError {
  const nvme = describeStatus(status);
  return nvmfError(code, `${what} failed: ${nvme.name}`, { details: { nvme } });
}
