/** UUIDs: generation, validation, and the 16-byte binary form used on disk and on the wire. */
import { randomUUID } from 'node:crypto';
import { MayastorError, CoreErrors } from './errors.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function newUuid(): string {
  return randomUUID();
}

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export function assertUuid(s: string, what = 'uuid'): string {
  if (!isUuid(s))
    throw new MayastorError(CoreErrors.INVALID_UUID, 'InvalidArgument', `${what} '${s}' is not a valid UUID`);
  return s.toLowerCase();
}

export function uuidToBytes(s: string, out: Buffer = Buffer.alloc(16), offset = 0): Buffer {
  const hex = assertUuid(s).replace(/-/g, '');
  out.write(hex, offset, 16, 'hex');
  return out;
}

export function uuidFromBytes(b: Buffer, offset = 0): string {
  const h = b.toString('hex', offset, offset + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
