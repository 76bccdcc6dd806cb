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
import { errorFactory, type ErrorKind, MayastorError } from '../../core/errors.js';
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

export const nvmfError = errorFactory<NvmfErrorCode>(KIND);

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

/** Command-specific status names depend on the command: Fabrics Connect, admin, or NVM I/O. */
const FABRICS_NAMES: Record<number, string> = {
  [CommandSpecificSc.ConnectIncompatibleFormat]: 'Connect Incompatible Format',
  [CommandSpecificSc.ConnectControllerBusy]: 'Connect Controller Busy',
  [CommandSpecificSc.ConnectInvalidParameters]: 'Connect Invalid Parameters',
  [CommandSpecificSc.ConnectRestartDiscovery]: 'Connect Restart Discovery',
  [CommandSpecificSc.ConnectInvalidHost]: 'Connect Invalid Host',
};

const ADMIN_NAMES: Record<number, string> = {
  [CommandSpecificSc.InvalidQueueIdentifier]: 'Invalid Queue Identifier',
  [CommandSpecificSc.InvalidQueueSize]: 'Invalid Queue Size',
  [CommandSpecificSc.InvalidLogPage]: 'Invalid Log Page',
  [CommandSpecificSc.FeatureIdNotSaveable]: 'Feature Identifier Not Saveable',
  [CommandSpecificSc.FeatureNotChangeable]: 'Feature Not Changeable',
  [CommandSpecificSc.FeatureNotNamespaceSpecific]: 'Feature Not Namespace Specific',
};

/** NVM command set I/O command-specific status codes. */
export const NvmIoSc = {
  ConflictingAttributes: 0x80,
  InvalidProtectionInformation: 0x81,
  WriteToReadOnlyRange: 0x82,
  /** Also what Linux's nvmet answers when its backend cannot do Write Zeroes/DSM (ONCS not supported). */
  CommandSizeLimitExceeded: 0x83,
} as const;

const IO_NAMES: Record<number, string> = {
  [NvmIoSc.ConflictingAttributes]: 'Conflicting Attributes',
  [NvmIoSc.InvalidProtectionInformation]: 'Invalid Protection Information',
  [NvmIoSc.WriteToReadOnlyRange]: 'Attempted Write to Read Only Range',
  [NvmIoSc.CommandSizeLimitExceeded]: 'Command Size Limit Exceeded',
};

const MEDIA_NAMES: Record<number, string> = {
  [MediaSc.WriteFault]: 'Write Fault',
  [MediaSc.UnrecoveredReadError]: 'Unrecovered Read Error',
  [MediaSc.AccessDenied]: 'Access Denied',
  [MediaSc.DeallocatedOrUnwrittenBlock]: 'Deallocated or Unwritten Logical Block',
};

export type CommandKind = 'io' | 'admin' | 'fabrics';

export function describeStatus(status: number, kind: CommandKind = 'io'): NvmeStatusDetails {
  const sct = statusSct(status);
  const sc = statusSc(status);
  const specific = kind === 'fabrics' ? FABRICS_NAMES : kind === 'admin' ? ADMIN_NAMES : IO_NAMES;
  const table =
    sct === Sct.Generic
      ? GENERIC_NAMES
      : sct === Sct.CommandSpecific
        ? specific
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
  kind: 'admin' | 'fabrics' = 'admin',
): MayastorError {
  const nvme = describeStatus(status, kind);
  return nvmfError(NvmfErrors.ADMIN_COMMAND_FAILED, `${what} failed: ${nvme.name}`, { details: { nvme } });
}

/**
 * Whether an optional command failed because the controller does not really support it
 * (advertised in ONCS but refused): Invalid Opcode, Invalid Field, or nvmet's "ONCS not
 * supported" (command-specific 0x83). The caller then falls back, as Linux does.
 */
export function isUnsupportedCommand(e: unknown): boolean {
  const nvme = (e as MayastorError | undefined)?.details?.nvme as NvmeStatusDetails | undefined;
  if (!nvme) return false;
  if (nvme.sct === Sct.Generic)
    return nvme.sc === GenericSc.InvalidOpcode || nvme.sc === GenericSc.InvalidField;
  return nvme.sct === Sct.CommandSpecific && nvme.sc === NvmIoSc.CommandSizeLimitExceeded;
}
