/**
 * NVMe-oF discovery: connect to a target's discovery controller, read the Discovery Log Page
 * and return its entries (what `nvme discover` prints). The read is repeated while the log's
 * generation counter changes under it, so a listing is never a mix of two versions.
 */
import { getString } from '../pdu.js';
import { DISCOVERY_NQN, DYNAMIC_CNTLID, LogPage } from '../spec.js';
import { bdevError, BdevErrors } from '../../bdev/errors.js';
import { isMayastorError } from '../../core/errors.js';
import { NvmeTcpQueue } from './queue.js';
import { enableController, fabricsConnect, getLogPage, shutdownController } from './admin.js';
import { nvmfError, NvmfErrors } from './errors.js';
import { resolveOptions, type NvmfInitiatorOptions } from './options.js';

export interface DiscoveryEntry {
  /** Transport type: 3 = TCP. */
  trtype: number;
  /** Address family: 1 = IPv4, 2 = IPv6. */
  adrfam: number;
  /** 1 = referral to another discovery service, 2 = NVM subsystem, 3 = this discovery subsystem. */
  subtype: number;
  portid: number;
  cntlid: number;
  traddr: string;
  trsvcid: string;
  subnqn: string;
}

export const DiscoverySubtype = { Referral: 1, Nvm: 2, CurrentDiscovery: 3 } as const;

export type DiscoverOptions = Pick<
  NvmfInitiatorOptions,
  'host' | 'port' | 'hostNqn' | 'hostId' | 'adminTimeoutMs' | 'log'
>;

const ENTRY_SIZE = 1024;
const HEADER_SIZE = 1024;
/** Read the log in chunks small enough for any controller's MDTS. */
const CHUNK = 4096;
const MAX_ENTRIES = 4096;

export async function discover(options: DiscoverOptions): Promise<DiscoveryEntry[]> {
  const o = resolveOptions({ ...options, subnqn: DISCOVERY_NQN, disableSqFlowControl: false });
  const where = `${o.host}:${o.port}`;
  const q = await NvmeTcpQueue.open({
    host: o.host,
    port: o.port,
    qid: 0,
    depth: 31,
    headerDigest: false,
    dataDigest: false,
    connectTimeoutMs: o.adminTimeoutMs,
    inCapsuleMax: 8192,
    log: o.log,
    onFatal: () => {},
    onTimeout: () => {},
    onSlotFree: () => {},
  });
  try {
    await fabricsConnect(q, o, 0, 32, DYNAMIC_CNTLID, 0);
    await enableController(q, o);
    let entries: DiscoveryEntry[] | undefined;
    for (let attempt = 0; attempt < 5 && entries === undefined; attempt++) {
      const head = await getLogPage(q, o.adminTimeoutMs, LogPage.Discovery, HEADER_SIZE);
      const genctr = head.readBigUInt64LE(0);
      const numrec = Math.min(Number(head.readBigUInt64LE(8)), MAX_ENTRIES);
      const total = HEADER_SIZE + numrec * ENTRY_SIZE;
      const log = Buffer.alloc(total);
      head.copy(log, 0);
      for (let off = HEADER_SIZE; off < total; off += CHUNK) {
        const n = Math.min(CHUNK, total - off);
        (await getLogPage(q, o.adminTimeoutMs, LogPage.Discovery, n, off)).copy(log, off);
      }
      const again = await getLogPage(q, o.adminTimeoutMs, LogPage.Discovery, HEADER_SIZE);
      if (again.readBigUInt64LE(0) !== genctr) continue; // changed while we read it
      entries = [];
      for (let i = 0; i < numrec; i++) entries.push(decodeEntry(log, HEADER_SIZE + i * ENTRY_SIZE));
    }
    if (entries === undefined) {
      throw nvmfError(
        NvmfErrors.PROTOCOL_ERROR,
        `${where}: the discovery log kept changing while being read`,
      );
    }
    try {
      await shutdownController(q, o, 0);
    } catch {
      // Leaving without a clean shutdown is harmless for a discovery controller.
    }
    return entries;
  } catch (e) {
    if (isMayastorError(e) && e.code.startsWith('NVMF_')) throw e;
    throw nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: discovery failed: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    await q.close(bdevError(BdevErrors.CLOSED, 'discovery finished'));
  }
}

function decodeEntry(b: Buffer, off: number): DiscoveryEntry {
  return {
    trtype: b[off]!,
    adrfam: b[off + 1]!,
    subtype: b[off + 2]!,
    portid: b.readUInt16LE(off + 4),
    cntlid: b.readUInt16LE(off + 6),
    trsvcid: getString(b, off + 32, 32),
    // SUBNQN precedes TRADDR in the entry (bytes 256 and 512).
    subnqn: getString(b, off + 256, 256),
    traddr: getString(b, off + 512, 256),
  };
}
