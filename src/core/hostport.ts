/** Listen and connect addresses as users type them: HOST:PORT, [IPv6]:PORT, :PORT or PORT. */
import net from 'node:net';
import { MayastorError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parse an address. `:PORT` and a bare `PORT` mean all addresses (`::`, which also accepts
 * IPv4 on a dual-stack host). Without a port, `defaultPort` applies, or it is an error. An IPv6
 * address with a port must be bracketed.
 */
export function parseHostPort(text: string, options: { defaultPort?: number; what?: string } = {}): HostPort {
  const v = text.trim();
  const bad = () =>
    new MayastorError(
      'ADDRESS_INVALID',
      'InvalidArgument',
      `${options.what ? options.what + ' ' : ''}'${text}': expected HOST:PORT, e.g. 127.0.0.1:4420, 0.0.0.0:4420 or [::1]:4420`,
    );
  let host: string;
  let port: string | undefined;
  const m6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v);
  if (m6) {
    if (!net.isIPv6(m6[1]!)) throw bad();
    host = m6[1]!;
    port = m6[2];
  } else if (/^:?\d{1,5}$/.test(v)) {
    host = '::';
    port = v.replace(':', '');
  } else if (net.isIPv6(v)) {
    host = v;
  } else {
    const parts = v.split(':');
    if (parts.length > 2 || parts[0] === '') throw bad();
    host = parts[0]!;
    port = parts[1];
    if (port !== undefined && !/^\d{1,5}$/.test(port)) throw bad();
  }
  const p = port === undefined ? options.defaultPort : Number(port);
  if (p === undefined || !Number.isInteger(p) || p < 0 || p > 65535) throw bad();
  return { host, port: p };
}

/** HOST:PORT for display, bracketing IPv6. */
export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
