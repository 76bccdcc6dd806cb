/**
 * Disk URIs in Mayastor's form:
 *   malloc:///malloc0?size_mb=64&blk_size=4096     (or num_blocks=N; exactly one of the two)
 *   aio:///var/tmp/disk1.img?blk_size=512
 *   uring:///dev/sdb
 *   /dev/sdb                                       (a bare absolute path means aio)
 * Other schemes (nvmf://, bdev://, ...) are parsed generically and handled by whoever registers
 * them. Unknown parameters are an error, so a typo never silently falls back to a default.
 */
import { bdevError, BdevErrors } from './errors.js';

export interface ParsedUri {
  /** The original text. */
  uri: string;
  /** Lower-case scheme without the colon: "malloc", "aio", "uring", "nvmf", ... */
  scheme: string;
  /** host[:port] for network schemes, '' otherwise. */
  host: string;
  /** Percent-decoded path, starting with '/'. */
  path: string;
  params: Map<string, string>;
}

export function parseUri(text: string): ParsedUri {
  const uri = text.trim();
  if (uri === '') throw bdevError(BdevErrors.URI_INVALID, 'empty disk URI');
  if (uri.startsWith('/')) {
    return { uri, scheme: 'aio', host: '', path: uri, params: new Map() };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(uri);
  if (!m) {
    throw bdevError(
      BdevErrors.URI_INVALID,
      `'${text}' is not a disk URI; expected e.g. malloc:///malloc0?size_mb=64, aio:///path/to/file or /dev/sdX`,
    );
  }
  let path: string;
  try {
    path = decodeURIComponent(m[3] ?? '');
  } catch {
    throw bdevError(BdevErrors.URI_INVALID, `'${text}': bad percent-encoding in the path`);
  }
  const params = new Map<string, string>();
  if (m[4]) {
    for (const part of m[4].split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      const value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
      if (params.has(key))
        throw bdevError(BdevErrors.URI_INVALID, `'${text}': parameter '${key}' given twice`);
      params.set(key, value);
    }
  }
  return { uri, scheme: m[1]!.toLowerCase(), host: m[2] ?? '', path, params };
}

/** Reject any parameter not in `allowed`. */
export function checkParams(u: ParsedUri, allowed: readonly string[]): void {
  for (const key of u.params.keys()) {
    if (!allowed.includes(key)) {
      throw bdevError(
        BdevErrors.URI_INVALID,
        `'${u.uri}': unknown parameter '${key}' for ${u.scheme}:// (allowed: ${allowed.join(', ') || 'none'})`,
      );
    }
  }
}

/** A positive integer parameter, or undefined when absent. */
export function intParam(u: ParsedUri, key: string): number | undefined {
  const v = u.params.get(key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) <= 0) {
    throw bdevError(BdevErrors.URI_INVALID, `'${u.uri}': ${key}=${v} is not a positive integer`);
  }
  return Number(v);
}

export function blockSizeParam(u: ParsedUri, fallback = 512): number {
  const bs = intParam(u, 'blk_size') ?? fallback;
  if (bs !== 512 && bs !== 4096) {
    throw bdevError(
      BdevErrors.BLOCK_SIZE_INVALID,
      `'${u.uri}': blk_size=${bs} is not supported; use 512 or 4096`,
    );
  }
  return bs;
}
