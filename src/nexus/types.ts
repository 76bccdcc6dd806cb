/**
 * Nexus and child states, in Mayastor's vocabulary (io-engine `nexus_child.rs`,
 * `nexus_bdev.rs` and the v1 gRPC mapping), so the control plane and tools can carry them
 * over unchanged.
 */

/** Internal child state. A Faulted child carries a FaultReason. */
export type ChildState = 'Init' | 'ConfigInvalid' | 'Open' | 'Closed' | 'Faulted';

/** An Open child is either Synced (reader and writer) or OutOfSync (writer only, being rebuilt). */
export type ChildSyncState = 'Synced' | 'OutOfSync';

export type FaultReason =
  | 'Unknown'
  | 'CantOpen'
  | 'NoSpace'
  | 'TimedOut'
  | 'IoError'
  | 'RebuildFailed'
  | 'AdminCommandFailed'
  | 'Offline'
  | 'OfflinePermanent';

/** Reasons a child can be onlined from (Mayastor's `FaultReason::is_recoverable`). */
export const RECOVERABLE_REASONS: readonly FaultReason[] = [
  'NoSpace',
  'TimedOut',
  'IoError',
  'Offline',
  'AdminCommandFailed',
  'RebuildFailed',
];

export function isRecoverable(r: FaultReason): boolean {
  return RECOVERABLE_REASONS.includes(r);
}

/** Nexus status: Online when every child is healthy, Degraded when one is, Faulted when none is. */
export type NexusStatus = 'Online' | 'Degraded' | 'Faulted' | 'ShuttingDown' | 'Shutdown';

/** Child state as the v1 gRPC API reports it. */
export type WireChildState = 'UNKNOWN' | 'ONLINE' | 'DEGRADED' | 'FAULTED';

export type WireChildStateReason =
  | 'NONE'
  | 'INIT'
  | 'CLOSED'
  | 'CANNOT_OPEN'
  | 'CONFIG_INVALID'
  | 'REBUILD_FAILED'
  | 'IO_FAILURE'
  | 'BY_CLIENT'
  | 'OUT_OF_SYNC'
  | 'NO_SPACE'
  | 'TIMED_OUT'
  | 'ADMIN_FAILED';

const REASON_ON_WIRE: Record<FaultReason, WireChildStateReason> = {
  Unknown: 'NONE',
  CantOpen: 'CANNOT_OPEN',
  NoSpace: 'NO_SPACE',
  TimedOut: 'TIMED_OUT',
  IoError: 'IO_FAILURE',
  Offline: 'BY_CLIENT',
  RebuildFailed: 'REBUILD_FAILED',
  AdminCommandFailed: 'ADMIN_FAILED',
  OfflinePermanent: 'BY_CLIENT',
};

/** Mayastor's `map_child_state` (io-engine grpc v1). */
export function wireChildState(
  state: ChildState,
  sync: ChildSyncState,
  reason: FaultReason | undefined,
): { state: WireChildState; reason: WireChildStateReason } {
  switch (state) {
    case 'Init':
      return { state: 'DEGRADED', reason: 'INIT' };
    case 'ConfigInvalid':
      return { state: 'FAULTED', reason: 'CONFIG_INVALID' };
    case 'Closed':
      return { state: 'DEGRADED', reason: 'CLOSED' };
    case 'Open':
      return sync === 'Synced'
        ? { state: 'ONLINE', reason: 'NONE' }
        : { state: 'DEGRADED', reason: 'OUT_OF_SYNC' };
    case 'Faulted': {
      const r = reason ?? 'Unknown';
      const faulted = r === 'IoError' || r === 'AdminCommandFailed' || !isRecoverable(r);
      return { state: faulted ? 'FAULTED' : 'DEGRADED', reason: REASON_ON_WIRE[r] };
    }
  }
}

export type RebuildState = 'Init' | 'Rebuilding' | 'Paused' | 'Stopped' | 'Failed' | 'Completed';

/** Progress of one rebuild job (Mayastor's RebuildStats, in blocks of the nexus block size). */
export interface RebuildStats {
  childUri: string;
  childUuid: string;
  srcUri: string;
  state: RebuildState;
  isPartial: boolean;
  blockSize: number;
  /** Blocks the job has to consider: the whole device for a full rebuild, the dirty segments for a partial one. */
  blocksTotal: number;
  /** Blocks known to be in sync so far. */
  blocksRecovered: number;
  /** Blocks actually copied. */
  blocksTransferred: number;
  blocksRemaining: number;
  /** Whole percent, 0..100. */
  progress: number;
  blocksPerTask: number;
  tasksTotal: number;
  tasksActive: number;
  startTime: Date;
  endTime: Date | undefined;
  /** Bytes copied per second since the start (over active time, pauses excluded). */
  throughputBytesPerSec: number;
  error: string | undefined;
}

/** One finished rebuild, kept in the nexus's history (Mayastor's HistoryRecord). */
export interface RebuildHistoryRecord {
  childUri: string;
  childUuid: string;
  srcUri: string;
  state: RebuildState;
  isPartial: boolean;
  blockSize: number;
  blocksTotal: number;
  blocksRecovered: number;
  blocksTransferred: number;
  blocksRemaining: number;
  blocksPerTask: number;
  startTime: Date;
  endTime: Date;
  throughputBytesPerSec: number;
  error: string | undefined;
}
