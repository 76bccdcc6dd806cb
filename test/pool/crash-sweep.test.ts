/**
 * Crash-point sweep. A scenario of pool and replica operations (create, thick and thin replicas,
 * writes, flushes, grow, destroy, journal rollovers into checkpoints) runs against a simulated
 * disk that loses power right after its k-th write, for every k, in several ways: the k-th write
 * whole, torn to a prefix of its sectors, torn at random sectors, and (reorder model) with every
 * write since the last flush independently lost or torn. After each crash the pool is imported
 * from what the disk holds, and we check:
 *   - the pool exists iff its creation was acknowledged (or was under way);
 *   - the replica set equals the state after the last acknowledged operation, or after the one
 *     in flight: every replica exists whole or not at all;
 *   - no cluster belongs to two replicas, every thick replica owns all its clusters, and the
 *     accounting (used, committed) adds up;
 *   - every write flushed before the cut reads back; every other written sector holds one of the
 *     values it ever had since the last flushed one (or zeros where nothing durable was written);
 *   - the pool still works: a new replica can be created, written, flushed and read back after
 *     another import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashSimDevice, type CrashPlan } from '../../src/bdev/crashsim.js';
import { Pool, NO_CLUSTER, type Replica } from '../../src/pool/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { KiB, MiB } from '../../src/core/units.js';
import { patternBuffer } from '../helpers/tmp.js';
import { DeviceView } from '../helpers/devices.js';

const DEV_SIZE = 4 * MiB;
const BS = 512;
const CS = 64 * KiB;
const SECTOR = 512;
const UUIDS: Record<string, string> = {
  A: '00000000-0000-4000-8000-00000000000a',
  B: '00000000-0000-4000-8000-00000000000b',
  C: '00000000-0000-4000-8000-00000000000c',
  D: '00000000-0000-4000-8000-00000000000d',
  Z: '00000000-0000-4000-8000-0000000000ff',
};

/** A disk as found in the wild: old data everywhere except the first 64 KiB (pool create insists on those being empty). */
const FRESH_DISK = (() => {
  const b = patternBuffer(DEV_SIZE, 0xdead);
  b.fill(0, 0, 64 * KiB);
  return b;
})();

type ModelState = Map<string, { size: number; thin: boolean }>;

interface SectorHistory {
  /** Values written, oldest first; `durable` once a flush of that replica completed before the cut. */
  values: Array<{ data: Buffer; durable: boolean }>;
}

/** What the scenario did, as seen by a program that cannot know when power was lost. */
class Recorder {
  /** states[i]: replica set after i control operations (states[0]: empty pool); `acked` of them were acknowledged before the cut. */
  states: ModelState[] = [];
  current: ModelState = new Map();
  acked = 0;
  poolAcked = false;
  poolName = '';
  /** Lifecycle scenario: the first pool's destroy began / was acknowledged; the second pool exists. */
  destroyStarted = false;
  destroyAcked = false;
  secondAcked = false;
  /** replica name → sector index → history */
  sectors = new Map<string, Map<number, SectorHistory>>();

  constructor(readonly sim: CrashSimDevice) {}

  async control<T>(fn: () => Promise<T>, change: (s: ModelState) => void): Promise<T> {
    const r = await fn();
    change(this.current);
    if (!this.sim.crashed) this.acked++;
    this.states.push(new Map([...this.current].map(([k, v]) => [k, { ...v }])));
    return r;
  }

  async write(replica: Replica, name: string, offset: number, data: Buffer, fua = false): Promise<void> {
    const before = this.sim.crashed;
    await replica.write(offset, data, { fua });
    if (before) return; // issued after the cut: cannot be on the medium
    let m = this.sectors.get(name);
    if (!m) this.sectors.set(name, (m = new Map()));
    for (let s = 0; s < data.length / SECTOR; s++) {
      const idx = offset / SECTOR + s;
      let h = m.get(idx);
      if (!h) m.set(idx, (h = { values: [] }));
      h.values.push({ data: Buffer.from(data.subarray(s * SECTOR, (s + 1) * SECTOR)), durable: false });
    }
  }

  /** A write with FUA: durable when it completes. */
  async writeFua(replica: Replica, name: string, offset: number, data: Buffer): Promise<void> {
    const before = this.sim.crashed;
    await this.write(replica, name, offset, data, true);
    if (before || this.sim.crashed) return;
    const m = this.sectors.get(name)!;
    for (let s = 0; s < data.length / SECTOR; s++)
      for (const v of m.get(offset / SECTOR + s)!.values) v.durable = true;
  }

  async flush(replica: Replica, name: string): Promise<void> {
    const m = this.sectors.get(name);
    const n = new Map<number, number>();
    if (m) for (const [idx, h] of m) n.set(idx, h.values.length);
    await replica.flush();
    if (this.sim.crashed || !m) return;
    // Everything written before the flush was issued is now promised.
    for (const [idx, count] of n) {
      const h = m.get(idx)!;
      for (let i = 0; i < count; i++) h.values[i]!.durable = true;
    }
  }
}

async function scenarioReplicas(rec: Recorder, sim: CrashSimDevice, journalSize: number): Promise<void> {
  const pool = await Pool.create(sim, { name: 'sweep', clusterSize: CS, journalSize, maxReplicas: 8 });
  rec.poolAcked = !sim.crashed;
  rec.states.push(new Map());
  rec.poolName = 'sweep';
  const ctl = <T>(fn: () => Promise<T>, ch: (s: ModelState) => void) => rec.control(fn, ch);

  const A = await ctl(
    () => pool.createReplica({ uuid: UUIDS.A!, name: 'A', size: 3 * CS + 2 * KiB, thin: false }),
    (s) => s.set('A', { size: 3 * CS + 2 * KiB, thin: false }),
  );
  await rec.write(A, 'A', 0, patternBuffer(2 * KiB, 1));
  await rec.write(A, 'A', 3 * CS - KiB, patternBuffer(2 * KiB, 2)); // spans a cluster boundary
  await rec.flush(A, 'A');
  const B = await ctl(
    () => pool.createReplica({ uuid: UUIDS.B!, name: 'B', size: 10 * CS, thin: true }),
    (s) => s.set('B', { size: 10 * CS, thin: true }),
  );
  await rec.write(B, 'B', 0, patternBuffer(KiB, 3));
  await rec.write(B, 'B', 3 * CS + 4 * KiB, patternBuffer(KiB, 4));
  await rec.write(B, 'B', 7 * CS + CS - KiB, patternBuffer(KiB, 5));
  await rec.flush(B, 'B');
  await ctl(
    () => pool.resizeReplica(UUIDS.A!, 6 * CS),
    (s) => s.set('A', { size: 6 * CS, thin: false }),
  );
  await rec.write(A, 'A', 5 * CS, patternBuffer(KiB, 6));
  await rec.write(A, 'A', 0, patternBuffer(KiB, 7)); // overwrite, unflushed for now
  await rec.flush(A, 'A');
  await ctl(
    () => pool.resizeReplica(UUIDS.B!, 12 * CS),
    (s) => s.set('B', { size: 12 * CS, thin: true }),
  );
  await rec.write(B, 'B', 11 * CS, patternBuffer(KiB, 8));
  await rec.write(B, 'B', 3 * CS + 4 * KiB, patternBuffer(KiB, 9)); // overwrite, never flushed
  await ctl(
    () => pool.destroyReplica(UUIDS.A!),
    (s) => s.delete('A'),
  );
  const C = await ctl(
    () => pool.createReplica({ uuid: UUIDS.C!, name: 'C', size: 5 * CS, thin: true }),
    (s) => s.set('C', { size: 5 * CS, thin: true }),
  );
  await rec.write(C, 'C', CS + 2 * KiB, patternBuffer(4 * KiB, 10));
  await rec.flush(C, 'C');
  // Several first writes in flight at once: one commit carries all their allocations.
  await Promise.all([0, 2, 3].map((c, i) => rec.write(C, 'C', c * CS + i * KiB, patternBuffer(KiB, 20 + i))));
  await rec.flush(C, 'C');
  await rec.writeFua(B, 'B', 9 * CS, patternBuffer(KiB, 13));
  await ctl(
    () => pool.createReplica({ uuid: UUIDS.D!, name: 'D', size: 2 * CS, thin: false }),
    (s) => s.set('D', { size: 2 * CS, thin: false }),
  );
  await ctl(
    () => pool.destroyReplica(UUIDS.B!),
    (s) => s.delete('B'),
  );
  await rec.write(C, 'C', 4 * CS, patternBuffer(KiB, 11)); // unflushed, then export commits it
  await pool.export();
}

/** Destroy a pool and create another on the same disk without `overwrite`. */
async function scenarioPoolLifecycle(rec: Recorder, sim: CrashSimDevice): Promise<void> {
  const pool = await Pool.create(new DeviceView(sim), { name: 'first', clusterSize: CS, maxReplicas: 8 });
  rec.poolAcked = !sim.crashed;
  rec.states.push(new Map());
  const A = await rec.control(
    () => pool.createReplica({ uuid: UUIDS.A!, name: 'A', size: 2 * CS, thin: true }),
    (s) => s.set('A', { size: 2 * CS, thin: true }),
  );
  await rec.write(A, 'A', 0, patternBuffer(KiB, 12));
  await rec.flush(A, 'A');
  rec.destroyStarted = !sim.crashed;
  await pool.destroy();
  rec.destroyAcked = !sim.crashed;
  const second = await Pool.create(new DeviceView(sim), { name: 'second', clusterSize: CS, maxReplicas: 8 });
  rec.secondAcked = !sim.crashed;
  await second.export();
}

function checkSectors(rec: Recorder, name: string, thin: boolean, got: Buffer, replicaOffset: number): void {
  const m = rec.sectors.get(name) ?? new Map<number, SectorHistory>();
  if (thin) {
    // Nothing a thin replica was never given may show through: not the disk's old data, not
    // another replica's.
    for (let at = 0; at < got.length; at += SECTOR) {
      if (m.has((at + replicaOffset) / SECTOR)) continue;
      if (!got.subarray(at, at + SECTOR).every((x) => x === 0)) {
        throw new Error(
          `thin replica ${name} sector ${(at + replicaOffset) / SECTOR} was never written but is not zero`,
        );
      }
    }
  }
  for (const [idx, h] of m) {
    const at = idx * SECTOR - replicaOffset;
    if (at < 0 || at >= got.length) continue;
    const value = got.subarray(at, at + SECTOR);
    let last = -1;
    for (let i = 0; i < h.values.length; i++) if (h.values[i]!.durable) last = i;
    if (last < 0 && !thin) continue; // a thick replica's never-flushed sector may hold the disk's old data
    const allowed = h.values.slice(Math.max(last, 0)).map((v) => v.data);
    if (last < 0) allowed.push(Buffer.alloc(SECTOR));
    if (!allowed.some((a) => a.equals(value))) {
      const why = last >= 0 ? 'a flushed write was lost or corrupted' : 'sector holds a value never written';
      throw new Error(`replica ${name} sector ${idx}: ${why}`);
    }
  }
}

async function verifyAfterCrash(rec: Recorder, image: Buffer, label: string): Promise<'no-pool' | 'pool'> {
  const dev = new CrashSimDevice(image, BS);
  let pool: Pool;
  try {
    pool = await Pool.import(dev);
  } catch (e) {
    const noPoolAllowed = !rec.poolAcked || (rec.destroyStarted && !rec.secondAcked);
    if (isMayastorError(e, 'POOL_NOT_FOUND') && noPoolAllowed) return 'no-pool';
    throw new Error(`${label}: import failed: ${String(e)}`);
  }
  if (pool.name === 'second') {
    assert.ok(rec.destroyStarted, `${label}: second pool exists before the first was destroyed`);
    assert.equal(pool.replicas().length, 0, `${label}: second pool has replicas`);
    return 'pool';
  }
  assert.ok(!rec.destroyAcked, `${label}: a destroyed pool came back`);
  // Replica set: the state after the last acknowledged operation, or after the one in flight.
  const got: ModelState = new Map(pool.replicas().map((r) => [r.name, { size: r.size, thin: r.thin }]));
  const key = (s: ModelState) => JSON.stringify([...s].sort(([a], [b]) => a.localeCompare(b)));
  const candidates = [rec.states[rec.acked], rec.states[rec.acked + 1]].filter(Boolean).map((s) => key(s!));
  assert.ok(candidates.includes(key(got)), `${label}: replicas ${key(got)} not in ${candidates.join(' | ')}`);

  // Ownership and accounting.
  const owner = new Map<number, string>();
  let used = 0;
  let committed = 0;
  for (const r of pool.replicas()) {
    const map = r.clusterMap();
    const n = Math.ceil(r.size / CS);
    assert.equal(map.length, n, `${label}: ${r.name} map length`);
    for (let i = 0; i < map.length; i++) {
      const p = map[i]!;
      if (p === NO_CLUSTER) {
        assert.ok(r.thin, `${label}: thick replica ${r.name} lacks cluster ${i}`);
        continue;
      }
      assert.ok(p < pool.clusterCount, `${label}: cluster ${p} out of range`);
      assert.ok(!owner.has(p), `${label}: cluster ${p} owned by ${owner.get(p)} and ${r.name}`);
      owner.set(p, r.name);
      used += CS;
    }
    committed += n * CS;
  }
  const st = pool.status();
  assert.equal(st.used, used, `${label}: used`);
  assert.equal(st.committed, committed, `${label}: committed`);
  assert.equal(st.capacity, pool.clusterCount * CS);

  // Data.
  for (const r of pool.replicas()) {
    const buf = Buffer.alloc(r.size);
    await r.read(0, buf);
    checkSectors(rec, r.name, r.thin, buf, 0);
  }

  // Still usable: a new replica, written, flushed, re-imported.
  if (pool.capacity - st.used >= CS && pool.replicas().length < 8) {
    const z = await pool.createReplica({ uuid: UUIDS.Z!, name: 'Z', size: CS, thin: true });
    const data = patternBuffer(4 * KiB, 99);
    await z.write(8 * KiB, data);
    await z.flush();
    const again = await Pool.import(new CrashSimDevice(dev.image(), BS));
    const back = Buffer.alloc(data.length);
    await again.replica(UUIDS.Z!)!.read(8 * KiB, back);
    assert.ok(back.equals(data), `${label}: pool not usable after recovery`);
  }
  return 'pool';
}

type Scenario = (rec: Recorder, sim: CrashSimDevice) => Promise<void>;

async function sweep(name: string, scenario: Scenario, modes: Array<Omit<CrashPlan, 'afterWrites'>>) {
  // Dry run: how many writes does the scenario issue?
  const dry = new CrashSimDevice(FRESH_DISK, BS);
  await scenario(new Recorder(dry), dry);
  const total = dry.writesIssued;
  let points = 0;
  const outcomes = { pool: 0, 'no-pool': 0 };
  for (const mode of modes) {
    for (let k = 1; k <= total; k++) {
      const plan: CrashPlan = { ...mode, afterWrites: k, seed: mode.seed * 100_003 + k };
      const sim = new CrashSimDevice(FRESH_DISK, BS, plan);
      const rec = new Recorder(sim);
      await scenario(rec, sim);
      assert.ok(sim.crashed, `${name}: crash at write ${k} of ${total} did not happen`);
      const label = `${name} crash after write ${k}/${total} (${mode.mode}, tear=${mode.tear}, seed=${plan.seed})`;
      outcomes[await verifyAfterCrash(rec, sim.image(), label)]++;
      points++;
    }
  }
  return { total, points, outcomes };
}

const MODES: Array<Omit<CrashPlan, 'afterWrites'>> = [
  { mode: 'prefix', tear: 'none', seed: 1 },
  { mode: 'prefix', tear: 'prefix', seed: 2 },
  { mode: 'prefix', tear: 'random', seed: 3 },
  { mode: 'reorder', tear: 'random', seed: 4 },
  { mode: 'reorder', tear: 'none', seed: 5 },
  { mode: 'reorder', tear: 'random', seed: 6 },
];

test('crash-point sweep: replica create / write / flush / grow / destroy with journal rollovers', async (t) => {
  // A 12 KiB journal holds three batches, so the scenario also crosses several checkpoints.
  const r = await sweep('replicas', (rec, sim) => scenarioReplicas(rec, sim, 12 * KiB), MODES);
  t.diagnostic(
    `replicas scenario: ${r.total} writes per run, ${r.points} crash points checked (${JSON.stringify(r.outcomes)})`,
  );
  assert.ok(r.outcomes.pool > 0 && r.outcomes['no-pool'] > 0);
});

test('crash-point sweep: the same scenario with a journal that never fills', async (t) => {
  const r = await sweep(
    'replicas-big-journal',
    (rec, sim) => scenarioReplicas(rec, sim, 256 * KiB),
    MODES.slice(0, 4),
  );
  t.diagnostic(
    `replicas scenario (no rollover): ${r.total} writes per run, ${r.points} crash points checked`,
  );
});

test('crash-point sweep: pool destroy then create on the same disk', async (t) => {
  let created = 0;
  const scenario: Scenario = async (rec, sim) => {
    await scenarioPoolLifecycle(rec, sim);
  };
  const r = await sweep('lifecycle', scenario, MODES);
  // Whatever the crash left, creating a pool again must work without `overwrite`, unless the
  // old pool is still there (its destroy was not acknowledged).
  for (let k = 1; k <= r.total; k++) {
    const sim = new CrashSimDevice(FRESH_DISK, BS, {
      mode: 'reorder',
      tear: 'random',
      afterWrites: k,
      seed: k,
    });
    await scenarioPoolLifecycle(new Recorder(sim), sim);
    const dev = new CrashSimDevice(sim.image(), BS);
    const probe = await Pool.probe(dev);
    if (probe.kind === 'pool' && probe.state === 'Ready') continue;
    assert.notEqual(probe.kind, 'foreign', `crash after write ${k}: the disk looks foreign`);
    const p = await Pool.create(dev, { name: 'third', clusterSize: CS, maxReplicas: 8 });
    assert.equal(p.name, 'third');
    created++;
  }
  t.diagnostic(
    `lifecycle scenario: ${r.total} writes per run, ${r.points} crash points checked, re-created after ${created} crashes`,
  );
  assert.ok(created > 0);
});
