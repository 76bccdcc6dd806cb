/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8.
 *
 * Used for on-disk metadata checksums, NVMe/TCP header and data digests, and the verifying
 * workload's block stamps. `crc32c(buf)` is the standard value (init and final XOR 0xFFFFFFFF);
 * `crc32cUpdate` continues a running checksum over several buffers:
 *   crc32cFinish(crc32cUpdate(crc32cUpdate(CRC32C_INIT, a), b)) === crc32c(concat(a, b)).
 */
const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let s = 1; s < 8; s++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[s * 256 + n] = c;
  }
}

export const CRC32C_INIT = 0xffffffff;

export function crc32cUpdate(state: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = state | 0;
  let i = start;
  const t = T;
  while (end - i >= 8) {
    const lo = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ crc;
    crc =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + buf[i + 4]!]! ^
      t[2 * 256 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}

export function crc32cFinish(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cFinish(crc32cUpdate(CRC32C_INIT, buf, start, end));
}
