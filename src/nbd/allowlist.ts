/**
 * Which client addresses may connect: a list of IP addresses and CIDR subnets, IPv4 and IPv6,
 * checked when a connection is accepted (before a single protocol byte is exchanged). IPv4
 * clients reaching a dual-stack listener appear as IPv4-mapped IPv6 addresses (::ffff:a.b.c.d);
 * node's BlockList matches those against IPv4 rules too.
 */
import net from 'node:net';
import { nbdError, NbdErrors } from './errors.js';

export class AllowList {
  private readonly list = new net.BlockList();
  readonly entries: readonly string[];

  /** `entries`: "10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8". An empty list admits nobody. */
  constructor(entries: readonly string[]) {
    const clean: string[] = [];
    for (const raw of entries) {
      const e = raw.trim();
      if (e === '') continue;
      const slash = e.indexOf('/');
      const addr = slash < 0 ? e : e.slice(0, slash);
      const family = net.isIP(addr);
      if (family === 0) {
        throw nbdError(
          NbdErrors.ADDRESS_INVALID,
          `allow-list entry '${raw}' is not an IP address or CIDR subnet (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`,
        );
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (slash < 0) {
        this.list.addAddress(addr, type);
      } else {
        const bitsText = e.slice(slash + 1);
        const bits = Number(bitsText);
        const max = family === 4 ? 32 : 128;
        if (!/^\d+$/.test(bitsText) || bits > max) {
          throw nbdError(
            NbdErrors.ADDRESS_INVALID,
            `allow-list entry '${raw}': prefix length must be 0..${max}`,
          );
        }
        this.list.addSubnet(addr, bits, type);
      }
      clean.push(e);
    }
    this.entries = clean;
  }

  allows(address: string | undefined): boolean {
    if (!address) return false;
    const family = net.isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
