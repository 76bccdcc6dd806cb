/** TestRpc: features and fault injection (only when the io-engine runs with it enabled). */
import { invalidArgument } from '../../core/errors.js';
import type { FaultAction, FaultOp, FaultRule, FaultStatus } from '../../bdev/fault.js';
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { engineError, EngineErrors } from '../errors.js';
import type { FaultTarget } from '../../api/generated/mayastor/v1/FaultTarget.js';
import type { FaultTarget__Output } from '../../api/generated/mayastor/v1/FaultTarget.js';
import type { FaultSpec, FaultSpec__Output } from '../../api/generated/mayastor/v1/FaultSpec.js';
import type { FaultInjection } from '../../api/generated/mayastor/v1/FaultInjection.js';
import type { FaultOp as WireFaultOp } from '../../api/generated/mayastor/v1/FaultOp.js';
import { requireString, requireUuid } from './validate.js';

/** Something faults can be injected into: a shared replica, a nexus child. */
export interface FaultPoint {
  inject(rule: FaultRule): string;
  remove(id: string): boolean;
  list(): FaultStatus[];
}

const OPS: Record<string, FaultOp> = {
  FAULT_READ: 'read',
  FAULT_WRITE: 'write',
  FAULT_FLUSH: 'flush',
  FAULT_UNMAP: 'unmap',
  FAULT_WRITE_ZEROES: 'writeZeroes',
};
const OPS_BACK = Object.fromEntries(Object.entries(OPS).map(([k, v]) => [v, k])) as Record<FaultOp, string>;

function ruleOf(spec: FaultSpec__Output | null | undefined): FaultRule {
  if (!spec) throw invalidArgument('spec is required');
  if (spec.ops.length === 0)
    throw invalidArgument('spec.ops: name at least one operation (FAULT_READ, FAULT_WRITE, ...)');
  const ops = spec.ops.map((o) => OPS[o]!);
  let action: FaultAction;
  switch (spec.action) {
    case 'FAULT_DELAY':
      if (!spec.delay_ms) throw invalidArgument('spec.delay_ms must be positive for FAULT_DELAY');
      action = { type: 'delay', ms: spec.delay_ms };
      break;
    case 'FAULT_HANG':
      action = { type: 'hang' };
      break;
    case 'FAULT_CORRUPT':
      if (ops.some((o) => o !== 'read')) throw invalidArgument('FAULT_CORRUPT applies to reads only');
      action = { type: 'corrupt' };
      break;
    default:
      action = { type: 'error' };
  }
  return {
    ops,
    action,
    ...(spec.offset !== undefined ? { offset: spec.offset } : {}),
    ...(spec.length !== undefined ? { length: spec.length } : {}),
    ...(spec.skip ? { skip: spec.skip } : {}),
    ...(spec.count !== undefined ? { count: spec.count } : {}),
  };
}

function specOf(rule: FaultRule): FaultSpec {
  const a = rule.action;
  return {
    ops: rule.ops.map((o) => OPS_BACK[o] as WireFaultOp),
    action:
      a.type === 'delay'
        ? 'FAULT_DELAY'
        : a.type === 'hang'
          ? 'FAULT_HANG'
          : a.type === 'corrupt'
            ? 'FAULT_CORRUPT'
            : 'FAULT_ERROR',
    delay_ms: a.type === 'delay' ? a.ms : 0,
    ...(rule.offset !== undefined ? { offset: rule.offset } : {}),
    ...(rule.length !== undefined ? { length: rule.length } : {}),
    skip: rule.skip ?? 0,
    ...(rule.count !== undefined ? { count: rule.count } : {}),
  };
}

function pointOf(engine: IoEngine, t: FaultTarget__Output | null | undefined): FaultPoint {
  if (!engine.config.faultInjection) {
    throw engineError(
      EngineErrors.FAULT_INJECTION_DISABLED,
      'fault injection is disabled on this io-engine (start it with --enable-fault-injection, for tests only)',
    );
  }
  if (t?.target === 'replica_uuid') {
    const uuid = requireUuid(t.replica_uuid, 'target.replica_uuid');
    engine.pools.getReplica(uuid);
    const s = engine.shares.get(uuid);
    if (!s?.faults)
      throw engineError(
        EngineErrors.FAULT_NOT_FOUND,
        `replica ${uuid} is not shared: faults apply to I/O arriving over NVMe-oF`,
      );
    return s.faults;
  }
  if (t?.target === 'nexus_child') {
    const nexus = requireUuid(t.nexus_child?.nexus_uuid, 'target.nexus_child.nexus_uuid');
    const child = requireString(t.nexus_child?.child_uri, 'target.nexus_child.child_uri');
    return engine.nexuses.faultPoint(nexus, child);
  }
  throw invalidArgument('target: give replica_uuid or nexus_child');
}

export function testService(engine: IoEngine): AsyncService<ServiceDefinitions['TestRpc']> {
  return {
    GetFeatures() {
      return Promise.resolve({ wipe_methods: [], fault_injection: engine.config.faultInjection });
    },
    AddFaultInjection(req) {
      const point = pointOf(engine, req.target);
      const id = point.inject(ruleOf(req.spec));
      engine.log.warn({ target: req.target, id, spec: req.spec }, 'fault injected');
      return Promise.resolve({ id });
    },
    RemoveFaultInjection(req) {
      const point = pointOf(engine, req.target);
      if (!point.remove(requireString(req.id, 'id'))) {
        throw engineError(EngineErrors.FAULT_NOT_FOUND, `no fault '${req.id}' on that target`);
      }
      engine.log.warn({ target: req.target, id: req.id }, 'fault removed');
      return Promise.resolve({});
    },
    ListFaultInjection(req) {
      const targets: FaultTarget[] = [];
      if (req.target) targets.push(req.target as FaultTarget);
      else {
        for (const v of engine.pools.listReplicas())
          if (v.share?.faults) targets.push({ target: 'replica_uuid', replica_uuid: v.replica.uuid });
        targets.push(...engine.nexuses.faultTargets());
      }
      const injections: FaultInjection[] = [];
      for (const t of targets) {
        const point = pointOf(engine, t as FaultTarget__Output);
        for (const f of point.list()) {
          injections.push({ target: t, id: f.id, spec: specOf(f.rule), hits: f.hits, active: f.active });
        }
      }
      return Promise.resolve({ injections });
    },
  };
}
