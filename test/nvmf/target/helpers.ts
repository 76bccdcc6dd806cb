/** Shared set-up for the target's in-process tests: a target on a free port with a RAM disk. */
import type { TestContext } from 'node:test';
import { MallocDevice } from '../../../src/bdev/malloc.js';
import type { BlockDevice } from '../../../src/bdev/types.js';
import { silentLogger, createLogger, type Logger } from '../../../src/core/log.js';
import { NvmfTarget, type NvmfTargetOptions, type Subsystem } from '../../../src/nvmf/target/index.js';
import { AdminOpc, IoOpc } from '../../../src/nvmf/spec.js';
import type { RawHost, Completion } from './host.js';

export const NQN = 'nqn.2019-05.io.openebs:6f1b2a4c-9e51-4a4b-8a59-1b0c5c0e7a11';
export const DEV_UUID = '0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4';

export interface TestTarget {
  target: NvmfTarget;
  port: number;
  dev: BlockDevice;
  subsys: Subsystem;
}

export function testLogger(): Logger {
  return process.env.TEST_LOG ? createLogger({ name: 'test', level: 'debug' }) : silentLogger();
}

export function mallocDev(name = 'm0', blocks = 16384, blockSize = 512, uuid = DEV_UUID): MallocDevice {
  return new MallocDevice({ name, blockSize, numBlocks: blocks, uuid });
}

export async function startTarget(
  t: TestContext | { after(fn: () => Promise<void> | void): void },
  o: {
    dev?: BlockDevice;
    nqn?: string;
    allowedHosts?: string[];
    options?: NvmfTargetOptions;
  } = {},
): Promise<TestTarget> {
  const target = new NvmfTarget({ log: testLogger(), ...o.options });
  const dev = o.dev ?? mallocDev();
  const subsys = target.createSubsystem({ nqn: o.nqn ?? NQN, allowedHosts: o.allowedHosts });
  subsys.addNamespace(dev);
  const l = await target.listen('127.0.0.1', 0);
  t.after(() => target.stop());
  return { target, port: l.port, dev, subsys };
}

export function readCmd(
  q: RawHost,
  slba: number,
  nlb: number,
  blockSize = 512,
  nsid = 1,
  dataIn = nlb * blockSize,
): Promise<Completion> {
  return q.command(
    { opc: IoOpc.Read, nsid, cdw: { 10: slba >>> 0, 11: Math.floor(slba / 2 ** 32), 12: nlb - 1 } },
    { dataIn },
  );
}

export function writeCmd(
  q: RawHost,
  slba: number,
  data: Buffer,
  o: {
    blockSize?: number;
    nsid?: number;
    fua?: boolean;
    inCapsule?: boolean;
    h2cChunk?: number;
    nlb?: number;
  } = {},
): Promise<Completion> {
  const nlb = o.nlb ?? data.length / (o.blockSize ?? 512);
  return q.command(
    {
      opc: IoOpc.Write,
      nsid: o.nsid ?? 1,
      cdw: {
        10: slba >>> 0,
        11: Math.floor(slba / 2 ** 32),
        12: ((nlb - 1) & 0xffff) | (o.fua ? 1 << 30 : 0),
      },
    },
    { dataOut: data, inCapsule: o.inCapsule, h2cChunk: o.h2cChunk },
  );
}

export function identify(q: RawHost, cns: number, nsid = 0, cdw11 = 0): Promise<Completion> {
  return q.command({ opc: AdminOpc.Identify, nsid, cdw: { 10: cns, 11: cdw11 } }, { dataIn: 4096 });
}

export function getLogPage(
  q: RawHost,
  lid: number,
  len: number,
  o: { offset?: number; nsid?: number; rae?: boolean } = {},
): Promise<Completion> {
  const numd = len / 4 - 1;
  return q.command(
    {
      opc: AdminOpc.GetLogPage,
      nsid: o.nsid ?? 0xffffffff,
      cdw: {
        10: lid | (o.rae ? 1 << 15 : 0) | ((numd & 0xffff) << 16),
        11: numd >>> 16,
        12: (o.offset ?? 0) >>> 0,
        13: Math.floor((o.offset ?? 0) / 2 ** 32),
      },
    },
    { dataIn: len },
  );
}

/** Poll `cond` every 20 ms until it holds, at most `ms`. */
export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
