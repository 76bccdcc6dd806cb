/**
 * Admin and Fabrics commands on a queue: Fabrics Connect, Property Get/Set, enabling and shutting
 * down a controller, Identify, Get Log Page. Shared by the I/O controller and discovery.
 */
import { performance } from 'node:perf_hooks';
import { isMayastorError, type MayastorError } from '../../core/errors.js';
import { uuidToBytes } from '../../core/uuid.js';
import { AdminOpc, CommandSpecificSc, CONNECT_DATA_SIZE, FabricsType, Prop, Sct } from '../spec.js';
import { putString } from '../pdu.js';
import { Dir, type CommandResult, type NvmeTcpQueue } from './queue.js';
import { Cc, Csts, decodeCap, IDENTIFY_SIZE, type Capabilities } from './identify.js';
import { nvmfError, NvmfErrors, type NvmeStatusDetails } from './errors.js';

/** Who connects to what, and how long admin commands may take. */
export interface FabricsContext {
  host: string;
  port: number;
  subnqn: string;
  hostNqn: string;
  hostId: string;
  adminTimeoutMs: number;
  disableSqFlowControl: boolean;
}

/** Run one admin-queue (or Fabrics) command. */
export function adminCommand(
  q: NvmeTcpQueue,
  timeoutMs: number,
  opc: number,
  nsid: number,
  cdw10: number,
  cdw11: number,
  cdw12: number,
  cdw13: number,
  dir: Dir,
  buf: Buffer | undefined,
  result?: CommandResult,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (q.freeSlots === 0) {
      reject(
        nvmfError(
          NvmfErrors.ADMIN_COMMAND_FAILED,
          `queue ${q.qid}: no free command slot for an admin command`,
        ),
      );
      return;
    }
    q.submit(true, opc, nsid, cdw10, cdw11, cdw12, cdw13, 0, 0, dir, buf, timeoutMs, result, resolve, reject);
  });
}

/** Fabrics Connect; resolves with the controller ID. */
export async function fabricsConnect(
  q: NvmeTcpQueue,
  f: FabricsContext,
  qid: number,
  queueSize: number,
  cntlid: number,
  katoMs: number,
): Promise<number> {
  const data = Buffer.alloc(CONNECT_DATA_SIZE);
  uuidToBytes(f.hostId, data, 0);
  data.writeUInt16LE(cntlid, 16);
  putString(data, 256, 256, f.subnqn, '\0');
  putString(data, 512, 256, f.hostNqn, '\0');
  const cattr = f.disableSqFlowControl ? 1 << 2 : 0;
  const result: CommandResult = { dw0: 0, dw1: 0 };
  try {
    await adminCommand(
      q,
      f.adminTimeoutMs,
      AdminOpc.Fabrics,
      FabricsType.Connect,
      (qid << 16) >>> 0, // RECFMT 0, QID
      (queueSize - 1) | (cattr << 16), // SQSIZE (0-based), CATTR
      katoMs,
      0,
      Dir.H2C,
      data,
      result,
    );
  } catch (e) {
    throw connectError(f, e, qid, result);
  }
  if (qid === 0 && ((result.dw0 >>> 16) & 0x3) !== 0) {
    throw nvmfError(
      NvmfErrors.UNSUPPORTED,
      `${f.host}:${f.port}/${f.subnqn}: the controller requires in-band authentication, which this initiator does not implement`,
    );
  }
  return result.dw0 & 0xffff;
}

function connectError(f: FabricsContext, e: unknown, qid: number, result: CommandResult): MayastorError {
  const where = `${f.host}:${f.port}/${f.subnqn}`;
  if (!isMayastorError(e))
    return nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: ${String(e)}`, { cause: e });
  const nvme = e.details?.nvme as NvmeStatusDetails | undefined;
  if (!nvme) return e;
  const denied = () =>
    nvmfError(NvmfErrors.ACCESS_DENIED, `${where}: the target does not allow host ${f.hostNqn}`, {
      details: { nvme },
    });
  if (nvme.sct === Sct.CommandSpecific) {
    if (nvme.sc === CommandSpecificSc.ConnectInvalidHost) return denied();
    if (nvme.sc === CommandSpecificSc.ConnectInvalidParameters) {
      // DW0 bytes 1:0 are IPO, the offending byte offset; IATTR (byte 2) bit 0 says it is in
      // the connect data rather than in the command.
      const ipo = result.dw0 & 0xffff;
      const inData = ((result.dw0 >>> 16) & 0x1) !== 0;
      if (inData && ipo === 256) {
        return nvmfError(NvmfErrors.NOT_FOUND, `${where}: no subsystem ${f.subnqn} on the target`, {
          details: { nvme },
        });
      }
      if (inData && ipo === 512) return denied();
      return nvmfError(
        NvmfErrors.CONNECT_FAILED,
        `${where}: Fabrics Connect (queue ${qid}) rejected: invalid parameter at ${inData ? 'data' : 'command'} offset ${ipo}`,
        { details: { nvme, ipo, inData } },
      );
    }
  }
  return nvmfError(
    NvmfErrors.CONNECT_FAILED,
    `${where}: Fabrics Connect (queue ${qid}) failed: ${nvme.name}`,
    {
      details: { nvme },
    },
  );
}

export async function propertyGet(
  q: NvmeTcpQueue,
  timeoutMs: number,
  offset: number,
  size: 4 | 8,
): Promise<bigint> {
  const r: CommandResult = { dw0: 0, dw1: 0 };
  // CDW10 ATTRIB: 0 = 4-byte property, 1 = 8-byte; CDW11 OFST.
  await adminCommand(
    q,
    timeoutMs,
    AdminOpc.Fabrics,
    FabricsType.PropertyGet,
    size === 8 ? 1 : 0,
    offset,
    0,
    0,
    Dir.None,
    undefined,
    r,
  );
  return size === 8 ? (BigInt(r.dw1 >>> 0) << 32n) | BigInt(r.dw0 >>> 0) : BigInt(r.dw0 >>> 0);
}

export async function propertySet(
  q: NvmeTcpQueue,
  timeoutMs: number,
  offset: number,
  value: number,
): Promise<void> {
  await adminCommand(
    q,
    timeoutMs,
    AdminOpc.Fabrics,
    FabricsType.PropertySet,
    0,
    offset,
    value >>> 0,
    0,
    Dir.None,
    undefined,
  );
}

/** Poll CSTS until (CSTS & mask) === want, for at most `limitMs`. */
export async function waitCsts(
  q: NvmeTcpQueue,
  f: FabricsContext,
  mask: number,
  want: number,
  limitMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  let delay = 1;
  for (let i = 0; i < 10_000; i++) {
    const csts = Number(await propertyGet(q, f.adminTimeoutMs, Prop.CSTS, 4));
    if (csts & Csts.CFS) {
      throw nvmfError(
        NvmfErrors.CONNECT_FAILED,
        `${f.host}:${f.port}: controller fatal status (CSTS.CFS) waiting for ${what}`,
      );
    }
    if ((csts & mask) === want) return csts;
    if (performance.now() - start > limitMs) break;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
  throw nvmfError(
    NvmfErrors.CONNECT_FAILED,
    `${f.host}:${f.port}: timed out after ${limitMs} ms waiting for ${what}`,
  );
}

/** Read CAP, set CC.EN=1 and wait for CSTS.RDY (bounded by CAP.TO). */
export async function enableController(q: NvmeTcpQueue, f: FabricsContext): Promise<Capabilities> {
  const cap = decodeCap(await propertyGet(q, f.adminTimeoutMs, Prop.CAP, 8));
  await propertySet(q, f.adminTimeoutMs, Prop.CC, Cc.EN | Cc.IOSQES_64 | Cc.IOCQES_16);
  await waitCsts(q, f, Csts.RDY, Csts.RDY, Math.max(cap.readyTimeoutMs, 500), 'CSTS.RDY after CC.EN=1');
  return cap;
}

/** CC.SHN = normal shutdown, then wait for CSTS.SHST = complete (bounded). */
export async function shutdownController(q: NvmeTcpQueue, f: FabricsContext, rtd3eUs: number): Promise<void> {
  const cc = Number(await propertyGet(q, f.adminTimeoutMs, Prop.CC, 4));
  await propertySet(q, f.adminTimeoutMs, Prop.CC, (cc & ~Cc.SHN_MASK) | Cc.SHN_NORMAL);
  const limit = rtd3eUs > 0 ? Math.min(Math.ceil(rtd3eUs / 1000), 30_000) : 5000;
  await waitCsts(q, f, Csts.SHST_MASK, Csts.SHST_COMPLETE, limit, 'CSTS.SHST = shutdown complete');
}

export async function identify(
  q: NvmeTcpQueue,
  timeoutMs: number,
  cns: number,
  nsid: number,
): Promise<Buffer> {
  const buf = Buffer.alloc(IDENTIFY_SIZE);
  await adminCommand(q, timeoutMs, AdminOpc.Identify, nsid, cns, 0, 0, 0, Dir.C2H, buf);
  return buf;
}

/** Get Log Page: `length` bytes (a multiple of 4) of log `lid` from byte `offset`. */
export async function getLogPage(
  q: NvmeTcpQueue,
  timeoutMs: number,
  lid: number,
  length: number,
  offset = 0,
): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const numd = length / 4 - 1; // 0-based dword count, split NUMDL (CDW10 31:16) / NUMDU (CDW11 15:0)
  await adminCommand(
    q,
    timeoutMs,
    AdminOpc.GetLogPage,
    0,
    (lid & 0xff) | ((numd & 0xffff) << 16),
    (numd >>> 16) & 0xffff,
    offset >>> 0,
    Math.floor(offset / 2 ** 32),
    Dir.C2H,
    buf,
  );
  return buf;
}
