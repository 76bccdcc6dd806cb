/**
 * Constants of the NVMe Base, NVMe over Fabrics and NVMe/TCP transport specifications that the
 * target and the initiator share. Names follow the specifications' field names.
 */

// ---- NVMe/TCP PDU types (NVMe/TCP transport spec, "PDU Types") ----
export const PduType = {
  ICReq: 0x00,
  ICResp: 0x01,
  H2CTermReq: 0x02,
  C2HTermReq: 0x03,
  CapsuleCmd: 0x04,
  CapsuleResp: 0x05,
  H2CData: 0x06,
  C2HData: 0x07,
  R2T: 0x09,
} as const;
export type PduTypeValue = (typeof PduType)[keyof typeof PduType];

/** Common-header FLAGS bits. */
export const PduFlags = {
  HDGSTF: 0x01,
  DDGSTF: 0x02,
  /** H2CData / C2HData: last PDU of the transfer. */
  LAST_PDU: 0x04,
  /** C2HData: the command completed successfully; no CapsuleResp follows. */
  SUCCESS: 0x08,
} as const;

/** Fixed header lengths (HLEN) per PDU type. */
export const PduHlen = {
  ICReq: 128,
  ICResp: 128,
  TermReq: 24,
  CapsuleCmd: 72,
  CapsuleResp: 24,
  Data: 24,
  R2T: 24,
} as const;

export const DIGEST_LEN = 4;
export const COMMON_HEADER_LEN = 8;
/** MAXH2CDATA must be at least this. */
export const MIN_MAXH2CDATA = 4096;
export const MAX_TERMREQ_PLEN = 152;

/** Fatal error status (TermReq FES). */
export const Fes = {
  InvalidPduHeaderField: 0x01,
  PduSequenceError: 0x02,
  HeaderDigestError: 0x03,
  DataTransferOutOfRange: 0x04,
  DataTransferLimitExceeded: 0x05,
  UnsupportedParameter: 0x06,
} as const;

// ---- Submission queue entry (64 bytes) and completion queue entry (16 bytes) ----
export const SQE_SIZE = 64;
export const CQE_SIZE = 16;

/** SGL descriptor identifiers (byte 15 of the descriptor) as NVMe/TCP hosts send them. */
export const SglId = {
  /** Data Block, subtype Offset: data is in the capsule. */
  InCapsule: 0x01,
  /** Transport SGL Data Block, transport-specific subtype: data moves by R2T/H2CData or C2HData. */
  Transport: 0x5a,
} as const;

// ---- Opcodes ----
export const AdminOpc = {
  DeleteIoSq: 0x00,
  CreateIoSq: 0x01,
  GetLogPage: 0x02,
  DeleteIoCq: 0x04,
  CreateIoCq: 0x05,
  Identify: 0x06,
  Abort: 0x08,
  SetFeatures: 0x09,
  GetFeatures: 0x0a,
  AsyncEventRequest: 0x0c,
  KeepAlive: 0x18,
  Fabrics: 0x7f,
} as const;

export const IoOpc = {
  Flush: 0x00,
  Write: 0x01,
  Read: 0x02,
  WriteUncorrectable: 0x04,
  Compare: 0x05,
  WriteZeroes: 0x08,
  DatasetManagement: 0x09,
  ReservationRegister: 0x0d,
  ReservationReport: 0x0e,
  ReservationAcquire: 0x11,
  ReservationRelease: 0x15,
  Fabrics: 0x7f,
} as const;

/** Fabrics command types (FCTYPE, byte 4 of a Fabrics SQE). */
export const FabricsType = {
  PropertySet: 0x00,
  Connect: 0x01,
  PropertyGet: 0x04,
  AuthenticationSend: 0x05,
  AuthenticationReceive: 0x06,
  Disconnect: 0x08,
} as const;

// ---- Status: status code type (SCT) and status code (SC) ----
export const Sct = {
  Generic: 0x0,
  CommandSpecific: 0x1,
  MediaError: 0x2,
  PathRelated: 0x3,
  Vendor: 0x7,
} as const;

export const GenericSc = {
  Success: 0x00,
  InvalidOpcode: 0x01,
  InvalidField: 0x02,
  CommandIdConflict: 0x03,
  DataTransferError: 0x04,
  PowerLossAbort: 0x05,
  InternalError: 0x06,
  AbortRequested: 0x07,
  AbortSqDeleted: 0x08,
  InvalidNamespaceOrFormat: 0x0b,
  CommandSequenceError: 0x0c,
  InvalidSglDescriptor: 0x0d,
  InvalidSglCount: 0x0e,
  DataSglLengthInvalid: 0x0f,
  SglDescriptorTypeInvalid: 0x11,
  InvalidSglOffset: 0x16,
  HostIdInconsistentFormat: 0x18,
  KeepAliveTimerExpired: 0x19,
  KeepAliveTimeoutInvalid: 0x1a,
  NamespaceIsWriteProtected: 0x20,
  CommandInterrupted: 0x21,
  TransientTransportError: 0x22,
  LbaOutOfRange: 0x80,
  CapacityExceeded: 0x81,
  NamespaceNotReady: 0x82,
  ReservationConflict: 0x83,
} as const;

export const CommandSpecificSc = {
  InvalidQueueIdentifier: 0x01,
  InvalidQueueSize: 0x02,
  AsyncEventRequestLimitExceeded: 0x05,
  InvalidLogPage: 0x09,
  FeatureIdNotSaveable: 0x0d,
  FeatureNotChangeable: 0x0e,
  FeatureNotNamespaceSpecific: 0x0f,
  /** Fabrics Connect */
  ConnectIncompatibleFormat: 0x80,
  ConnectControllerBusy: 0x81,
  ConnectInvalidParameters: 0x82,
  ConnectRestartDiscovery: 0x83,
  ConnectInvalidHost: 0x84,
  InvalidQueueType: 0x85,
} as const;

export const MediaSc = {
  WriteFault: 0x80,
  UnrecoveredReadError: 0x81,
  AccessDenied: 0x86,
  DeallocatedOrUnwrittenBlock: 0x87,
} as const;

/** Pack SCT/SC (and DNR) into the 15-bit status field as it sits in CQE bits 31:17 >> 1. */
export function status(sct: number, sc: number, dnr = false): number {
  return ((dnr ? 1 : 0) << 14) | ((sct & 0x7) << 8) | (sc & 0xff);
}
export const STATUS_SUCCESS = 0;
export function statusSct(s: number): number {
  return (s >> 8) & 0x7;
}
export function statusSc(s: number): number {
  return s & 0xff;
}
export function statusDnr(s: number): boolean {
  return ((s >> 14) & 1) === 1;
}

// ---- Controller properties (Fabrics Property Get/Set offsets) ----
export const Prop = {
  CAP: 0x00,
  VS: 0x08,
  INTMS: 0x0c,
  INTMC: 0x10,
  CC: 0x14,
  CSTS: 0x1c,
  NSSR: 0x20,
} as const;

export const NVME_VERSION_1_4 = 0x00010400;

// ---- Identify CNS values ----
export const Cns = {
  Namespace: 0x00,
  Controller: 0x01,
  ActiveNamespaceList: 0x02,
  NamespaceIdDescriptors: 0x03,
} as const;

/** Namespace identification descriptor types (NIDT). */
export const Nidt = { Eui64: 0x1, Nguid: 0x2, Uuid: 0x3, Csi: 0x4 } as const;

// ---- Log pages ----
export const LogPage = {
  ErrorInformation: 0x01,
  SmartHealth: 0x02,
  FirmwareSlot: 0x03,
  ChangedNamespaceList: 0x04,
  CommandsSupported: 0x05,
  Discovery: 0x70,
  ReservationNotification: 0x80,
} as const;

// ---- Features ----
export const Feature = {
  Arbitration: 0x01,
  PowerManagement: 0x02,
  TemperatureThreshold: 0x04,
  ErrorRecovery: 0x05,
  VolatileWriteCache: 0x06,
  NumberOfQueues: 0x07,
  InterruptCoalescing: 0x08,
  WriteAtomicity: 0x0a,
  AsyncEventConfiguration: 0x0b,
  KeepAliveTimer: 0x0f,
  HostIdentifier: 0x81,
  ReservationNotificationMask: 0x82,
  ReservationPersistence: 0x83,
} as const;

// ---- Discovery ----
export const DISCOVERY_NQN = 'nqn.2014-08.org.nvmexpress.discovery';
/** Mayastor's NQN prefix: nqn.2019-05.io.openebs:<uuid or name>. */
export const MAYASTOR_NQN_PREFIX = 'nqn.2019-05.io.openebs:';
export const NQN_FIELD_SIZE = 256;
export const CONNECT_DATA_SIZE = 1024;
export const DYNAMIC_CNTLID = 0xffff;
