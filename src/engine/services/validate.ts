/**
 * Request validation: every field is checked before anything is touched, and a bad one is
 * INVALID_ARGUMENT naming the field and what it should look like.
 */
import { invalidArgument } from '../../core/errors.js';
import { isUuid } from '../../core/uuid.js';
import { engineError, EngineErrors } from '../errors.js';

export function requireString(v: string | undefined, field: string, example?: string): string {
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalidArgument(`${field} is required${example ? ` (e.g. ${example})` : ''}`);
  }
  return v;
}

export function requireUuid(v: string | undefined, field: string): string {
  requireString(v, field, '0f6ea06e-2b4a-4a3c-a1d5-1e0d6f5d7c11');
  if (!isUuid(v!)) throw invalidArgument(`${field} '${v}' is not a UUID`);
  return v!.toLowerCase();
}

export function optionalUuid(v: string | undefined, field: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  return requireUuid(v, field);
}

export function requireSize(v: number | undefined, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw invalidArgument(`${field} must be a positive number of bytes, not ${String(v)}`);
  }
  return v;
}

/** Mayastor pools take exactly one disk. */
export function oneDisk(disks: string[] | undefined): string {
  if (!disks || disks.length === 0)
    throw invalidArgument('disks: one disk URI is required (e.g. /dev/sdb or aio:///var/tmp/disk1.img)');
  if (disks.length > 1) throw invalidArgument(`disks: a pool lives on exactly one disk, not ${disks.length}`);
  return requireString(disks[0], 'disks[0]');
}

export function checkPoolType(t: string | undefined): void {
  if (t === 'LVM') {
    throw engineError(
      EngineErrors.PROTOCOL_UNSUPPORTED,
      'LVM pools are not supported by this io-engine; use pooltype LVS',
    );
  }
}

export type ShareKind = 'none' | 'nvmf' | 'nbd';

export function shareProtocol(p: string | undefined, allowed: readonly ShareKind[], what: string): ShareKind {
  const v = (p ?? 'NONE').toUpperCase();
  const kind: ShareKind | undefined =
    v === 'NONE' ? 'none' : v === 'NVMF' ? 'nvmf' : v === 'NBD' ? 'nbd' : undefined;
  if (v === 'ISCSI') {
    throw engineError(
      EngineErrors.PROTOCOL_UNSUPPORTED,
      `${what}: iSCSI is not supported by this io-engine; use NVMF`,
    );
  }
  if (!kind || !allowed.includes(kind)) {
    throw invalidArgument(
      `${what}: share protocol ${v} is not accepted here (use ${allowed.map((a) => a.toUpperCase()).join(' or ')})`,
    );
  }
  return kind;
}
