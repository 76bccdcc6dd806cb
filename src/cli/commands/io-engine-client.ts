/**
 * `mayastor-ts io-engine-client`: drive one io-engine by hand over gRPC, in the manner of
 * Mayastor's io-engine-client. Tables for people, `-o json|yaml` for scripts (the JSON is the
 * gRPC response, field names as in proto/).
 *
 *   mayastor-ts io-engine-client -b 10.0.0.5:10124 pool create pool-1 /dev/sdb
 *   mayastor-ts io-engine-client replica create <uuid> --pool pool-1 --size 10GiB --thin --share nvmf
 *   mayastor-ts io-engine-client nexus create <uuid> --size 10GiB nvmf://... nvmf://...
 *   mayastor-ts io-engine-client nexus publish <uuid> --protocol nvmf --allowed-host <nqn>
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { formatBytes, parseSize } from '../../core/units.js';
import { EngineClient } from '../../api/engine-client.js';
import { parseOutputFormat, printResources, type Column, type OutputFormat } from '../output.js';
import type { Pool__Output } from '../../api/generated/mayastor/v1/Pool.js';
import type { Replica__Output } from '../../api/generated/mayastor/v1/Replica.js';
import type { Nexus__Output } from '../../api/generated/mayastor/v1/Nexus.js';
import type { Child__Output } from '../../api/generated/mayastor/v1/Child.js';
import type { Bdev__Output } from '../../api/generated/mayastor/v1/Bdev.js';
import type { BlockDevice__Output } from '../../api/generated/mayastor/v1/BlockDevice.js';
import type { IoStats__Output } from '../../api/generated/mayastor/v1/IoStats.js';
import type { RebuildHistoryRecord__Output } from '../../api/generated/mayastor/v1/RebuildHistoryRecord.js';
import type { FaultInjection__Output } from '../../api/generated/mayastor/v1/FaultInjection.js';
import type { ShareProtocol } from '../../api/generated/mayastor/v1/ShareProtocol.js';
import type { ChildAction } from '../../api/generated/mayastor/v1/ChildAction.js';
import type { FaultOp } from '../../api/generated/mayastor/v1/FaultOp.js';
import type { FaultAction } from '../../api/generated/mayastor/v1/FaultAction.js';

interface GlobalOpts {
  bind: string;
  output: string;
  timeout: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Run an action with a client for the -b endpoint, closing it afterwards. */
function withClient<A extends unknown[]>(
  fn: (c: EngineClient, fmt: OutputFormat, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const fmt = parseOutputFormat(g.output);
    const deadlineMs = Number(g.timeout);
    if (!Number.isInteger(deadlineMs) || deadlineMs <= 0)
      throw invalidArgument(`--timeout '${g.timeout}' must be milliseconds`);
    const c = new EngineClient(g.bind, { deadlineMs });
    try {
      await fn(c, fmt, ...args);
    } finally {
      c.close();
    }
  };
}

const size = (n: number | undefined) => formatBytes(Number(n ?? 0));
const shortState = (s: string, prefix: string) => s.replace(prefix, '').toLowerCase();

const POOL_COLUMNS: Column<Pool__Output>[] = [
  { header: 'name', get: (p) => p.name },
  { header: 'uuid', get: (p) => p.uuid },
  { header: 'state', get: (p) => shortState(p.state, 'POOL_') },
  { header: 'capacity', get: (p) => size(p.capacity) },
  { header: 'used', get: (p) => size(p.used) },
  { header: 'committed', get: (p) => size(p.committed) },
  { header: 'replicas', get: (p) => p.replica_count },
  { header: 'disks', get: (p) => p.disks.join(',') },
];

const REPLICA_COLUMNS: Column<Replica__Output>[] = [
  { header: 'uuid', get: (r) => r.uuid },
  { header: 'pool', get: (r) => r.poolname },
  { header: 'size', get: (r) => size(r.size) },
  { header: 'thin', get: (r) => r.thin },
  { header: 'allocated', get: (r) => size(r.usage?.allocated_bytes) },
  { header: 'share', get: (r) => r.share.toLowerCase() },
  { header: 'uri', get: (r) => r.uri },
];

const NEXUS_COLUMNS: Column<Nexus__Output>[] = [
  { header: 'uuid', get: (n) => n.uuid },
  { header: 'name', get: (n) => n.name },
  { header: 'size', get: (n) => size(n.size) },
  { header: 'state', get: (n) => shortState(n.state, 'NEXUS_') },
  { header: 'rebuilds', get: (n) => n.rebuilds },
  { header: 'children', get: (n) => n.children.length },
  { header: 'device uri', get: (n) => n.device_uri },
];

const CHILD_COLUMNS: Column<Child__Output>[] = [
  { header: 'uri', get: (c) => c.uri },
  { header: 'state', get: (c) => shortState(c.state, 'CHILD_') },
  { header: 'reason', get: (c) => c.state_reason.toLowerCase() },
  { header: 'rebuild', get: (c) => (c.rebuild_progress >= 0 ? `${c.rebuild_progress}%` : '') },
  { header: 'io log', get: (c) => c.has_io_log },
];

const BDEV_COLUMNS: Column<Bdev__Output>[] = [
  { header: 'name', get: (b) => b.name },
  { header: 'uuid', get: (b) => b.uuid },
  { header: 'driver', get: (b) => b.product_name },
  { header: 'size', get: (b) => size(b.num_blocks * b.blk_size) },
  { header: 'blk', get: (b) => b.blk_size },
  { header: 'claimed by', get: (b) => b.claimed_by },
  { header: 'share uri', get: (b) => b.share_uri },
];

const BLOCKDEV_COLUMNS: Column<BlockDevice__Output>[] = [
  { header: 'devname', get: (d) => d.devname },
  { header: 'type', get: (d) => d.devtype },
  { header: 'size', get: (d) => size(d.size) },
  { header: 'available', get: (d) => d.available },
  { header: 'model', get: (d) => d.model },
  { header: 'fstype', get: (d) => d.filesystem?.fstype ?? '' },
  { header: 'mountpoint', get: (d) => d.filesystem?.mountpoint ?? '' },
  { header: 'pool', get: (d) => d.pool },
];

const STATS_COLUMNS: Column<IoStats__Output>[] = [
  { header: 'name', get: (s) => s.name },
  { header: 'reads', get: (s) => s.num_read_ops },
  { header: 'read', get: (s) => size(s.bytes_read) },
  { header: 'writes', get: (s) => s.num_write_ops },
  { header: 'written', get: (s) => size(s.bytes_written) },
  {
    header: 'read lat us',
    get: (s) => (s.num_read_ops ? Math.round(s.read_latency_us / s.num_read_ops) : 0),
  },
  {
    header: 'write lat us',
    get: (s) => (s.num_write_ops ? Math.round(s.write_latency_us / s.num_write_ops) : 0),
  },
];

const HISTORY_COLUMNS: Column<RebuildHistoryRecord__Output>[] = [
  { header: 'child', get: (h) => h.child_uri },
  { header: 'source', get: (h) => h.src_uri },
  { header: 'state', get: (h) => h.state.toLowerCase() },
  { header: 'partial', get: (h) => h.is_partial },
  { header: 'transferred', get: (h) => size(h.blocks_transferred * h.block_size) },
  { header: 'total', get: (h) => size(h.blocks_total * h.block_size) },
  {
    header: 'ended',
    get: (h) => (h.end_time ? new Date(Number(h.end_time.seconds) * 1000).toISOString() : ''),
  },
];

const FAULT_COLUMNS: Column<FaultInjection__Output>[] = [
  { header: 'id', get: (f) => f.id },
  {
    header: 'target',
    get: (f) =>
      f.target?.replica_uuid
        ? `replica ${f.target.replica_uuid}`
        : `nexus ${f.target?.nexus_child?.nexus_uuid} child ${f.target?.nexus_child?.child_uri}`,
  },
  { header: 'ops', get: (f) => f.spec?.ops.map((o) => o.replace('FAULT_', '').toLowerCase()).join(',') },
  { header: 'action', get: (f) => f.spec?.action.replace('FAULT_', '').toLowerCase() },
  { header: 'hits', get: (f) => f.hits },
  { header: 'active', get: (f) => f.active },
];

function protocolOf(p: string): ShareProtocol {
  const v = p.toUpperCase();
  if (v !== 'NVMF' && v !== 'NBD' && v !== 'NONE')
    throw invalidArgument(`protocol '${p}': use nvmf, nbd or none`);
  return v;
}

function done(fmt: OutputFormat, what: string): void {
  if (fmt === 'table') process.stdout.write(`${what}\n`);
  else printResources({ ok: true, message: what }, fmt, []);
}

function registerPool(root: Command): void {
  const pool = root.command('pool').description('create, import, export, destroy and list pools');
  pool
    .command('create <name> <disk>')
    .description('create a pool on a disk (or import the pool it holds)')
    .option('--uuid <uuid>', 'pool uuid')
    .option('--cluster-size <size>', 'cluster size (default 4MiB)')
    .option('--overwrite', 'format even if the disk holds other data')
    .action(
      withClient(
        async (
          c,
          fmt,
          name: string,
          disk: string,
          o: { uuid?: string; clusterSize?: string; overwrite?: boolean },
        ) => {
          const p = await c.pool.CreatePool({
            name,
            disks: [disk],
            ...(o.uuid ? { uuid: o.uuid } : {}),
            ...(o.clusterSize ? { cluster_size: parseSize(o.clusterSize) } : {}),
            overwrite: !!o.overwrite,
          });
          printResources(p, fmt, POOL_COLUMNS);
        },
      ),
    );
  pool
    .command('import <name> <disk>')
    .description('import the pool a disk holds')
    .option('--uuid <uuid>', 'the pool must have this uuid')
    .action(
      withClient(async (c, fmt, name: string, disk: string, o: { uuid?: string }) => {
        printResources(
          await c.pool.ImportPool({ name, disks: [disk], ...(o.uuid ? { uuid: o.uuid } : {}) }),
          fmt,
          POOL_COLUMNS,
        );
      }),
    );
  pool
    .command('export <name>')
    .description('checkpoint and release a pool, keeping it on its disk')
    .action(
      withClient(async (c, fmt, name: string) => {
        await c.pool.ExportPool({ name });
        done(fmt, `pool ${name} exported`);
      }),
    );
  pool
    .command('destroy <name>')
    .description('destroy a pool and the replicas in it')
    .action(
      withClient(async (c, fmt, name: string) => {
        await c.pool.DestroyPool({ name });
        done(fmt, `pool ${name} destroyed`);
      }),
    );
  pool
    .command('list')
    .description('list pools')
    .option('--name <name>')
    .action(
      withClient(async (c, fmt, o: { name?: string }) => {
        printResources((await c.pool.ListPools(o.name ? { name: o.name } : {})).pools, fmt, POOL_COLUMNS);
      }),
    );
}

function registerReplica(root: Command): void {
  const replica = root.command('replica').description('create, destroy, share, resize and list replicas');
  replica
    .command('create <uuid>')
    .description('create a replica in a pool')
    .requiredOption('--pool <pool>', 'pool name or uuid')
    .requiredOption('--size <size>', 'size, e.g. 10GiB')
    .option('--thin', 'thin provisioned')
    .option('--name <name>', 'replica name (default: the uuid)')
    .option('--entity-id <id>', 'the volume it belongs to')
    .option('--share <protocol>', 'nvmf to share it at once', 'none')
    .option('--allowed-host <nqn>', 'host NQN allowed to connect (repeatable)', collect)
    .action(
      withClient(
        async (
          c,
          fmt,
          uuid: string,
          o: {
            pool: string;
            size: string;
            thin?: boolean;
            name?: string;
            entityId?: string;
            share: string;
            allowedHost?: string[];
          },
        ) => {
          const r = await c.replica.CreateReplica({
            uuid,
            pooluuid: o.pool,
            size: parseSize(o.size),
            thin: !!o.thin,
            ...(o.name ? { name: o.name } : {}),
            ...(o.entityId ? { entity_id: o.entityId } : {}),
            share: protocolOf(o.share),
            allowed_hosts: o.allowedHost ?? [],
          });
          printResources(r, fmt, REPLICA_COLUMNS);
        },
      ),
    );
  replica
    .command('destroy <uuid>')
    .description('destroy a replica')
    .action(
      withClient(async (c, fmt, uuid: string) => {
        await c.replica.DestroyReplica({ uuid });
        done(fmt, `replica ${uuid} destroyed`);
      }),
    );
  replica
    .command('list')
    .description('list replicas')
    .option('--pool <name>', 'only this pool')
    .action(
      withClient(async (c, fmt, o: { pool?: string }) => {
        printResources(
          (await c.replica.ListReplicas(o.pool ? { poolname: o.pool } : {})).replicas,
          fmt,
          REPLICA_COLUMNS,
        );
      }),
    );
  replica
    .command('share <uuid>')
    .description('share a replica over NVMe-oF')
    .option('--allowed-host <nqn>', 'host NQN allowed to connect (repeatable; none: any host)', collect)
    .action(
      withClient(async (c, fmt, uuid: string, o: { allowedHost?: string[] }) => {
        printResources(
          await c.replica.ShareReplica({ uuid, share: 'NVMF', allowed_hosts: o.allowedHost ?? [] }),
          fmt,
          REPLICA_COLUMNS,
        );
      }),
    );
  replica
    .command('unshare <uuid>')
    .description('stop sharing a replica')
    .action(
      withClient(async (c, fmt, uuid: string) => {
        printResources(await c.replica.UnshareReplica({ uuid }), fmt, REPLICA_COLUMNS);
      }),
    );
  replica
    .command('resize <uuid> <size>')
    .description('grow a replica')
    .action(
      withClient(async (c, fmt, uuid: string, sz: string) => {
        printResources(
          await c.replica.ResizeReplica({ uuid, requested_size: parseSize(sz) }),
          fmt,
          REPLICA_COLUMNS,
        );
      }),
    );
}

function printNexus(n: Nexus__Output | null | undefined, fmt: OutputFormat): void {
  if (!n) return;
  printResources(n, fmt, NEXUS_COLUMNS);
}

function registerNexus(root: Command): void {
  const nexus = root
    .command('nexus')
    .description('create, publish and manage nexuses (volume targets) and their children');
  nexus
    .command('create <uuid> <children...>')
    .description(
      'create a nexus over child URIs (bdev:///<replica>?uuid=..., nvmf://host:8420/<nqn>?uuid=...)',
    )
    .requiredOption('--size <size>', 'size, e.g. 10GiB')
    .option('--name <name>', 'nexus name (default: the uuid)')
    .option('--info-key <key>', 'NexusInfo key (default nexus/<uuid>)')
    .action(
      withClient(
        async (
          c,
          fmt,
          uuid: string,
          children: string[],
          o: { size: string; name?: string; infoKey?: string },
        ) => {
          const r = await c.nexus.CreateNexus({
            uuid,
            name: o.name ?? uuid,
            size: parseSize(o.size),
            children,
            ...(o.infoKey ? { nexusInfoKey: o.infoKey } : {}),
          });
          printNexus(r.nexus, fmt);
        },
      ),
    );
  nexus
    .command('destroy <uuid>')
    .description('unpublish, shut down cleanly and destroy a nexus')
    .action(
      withClient(async (c, fmt, uuid: string) => {
        await c.nexus.DestroyNexus({ uuid });
        done(fmt, `nexus ${uuid} destroyed`);
      }),
    );
  nexus
    .command('shutdown <uuid>')
    .description('shut a nexus down cleanly, keeping it listed')
    .action(
      withClient(async (c, fmt, uuid: string) =>
        printNexus((await c.nexus.ShutdownNexus({ uuid })).nexus, fmt),
      ),
    );
  nexus
    .command('list')
    .description('list nexuses')
    .action(
      withClient(async (c, fmt) =>
        printResources((await c.nexus.ListNexus({})).nexus_list, fmt, NEXUS_COLUMNS),
      ),
    );
  nexus
    .command('children <uuid>')
    .description("list a nexus's children")
    .action(
      withClient(async (c, fmt, uuid: string) => {
        const n = (await c.nexus.ListNexus({ uuid })).nexus_list[0];
        if (!n) throw invalidArgument(`no nexus ${uuid}`);
        printResources(n.children, fmt, CHILD_COLUMNS);
      }),
    );
  nexus
    .command('publish <uuid>')
    .description('expose a nexus over NVMe-oF or NBD')
    .option('--protocol <protocol>', 'nvmf or nbd', 'nvmf')
    .option(
      '--allowed-host <host>',
      'NVMe host NQN, or for NBD a client address or CIDR (repeatable)',
      collect,
    )
    .action(
      withClient(async (c, fmt, uuid: string, o: { protocol: string; allowedHost?: string[] }) => {
        const r = await c.nexus.PublishNexus({
          uuid,
          share: protocolOf(o.protocol),
          allowed_hosts: o.allowedHost ?? [],
        });
        printNexus(r.nexus, fmt);
      }),
    );
  nexus
    .command('unpublish <uuid>')
    .description('stop exposing a nexus')
    .action(
      withClient(async (c, fmt, uuid: string) =>
        printNexus((await c.nexus.UnpublishNexus({ uuid })).nexus, fmt),
      ),
    );
  nexus
    .command('add <uuid> <uri>')
    .description('add a child (rebuilt in full)')
    .option('--no-rebuild', 'do not start the rebuild')
    .action(
      withClient(async (c, fmt, uuid: string, uri: string, o: { rebuild: boolean }) =>
        printNexus((await c.nexus.AddChildNexus({ uuid, uri, norebuild: !o.rebuild })).nexus, fmt),
      ),
    );
  nexus
    .command('remove <uuid> <uri>')
    .description('remove a child')
    .action(
      withClient(async (c, fmt, uuid: string, uri: string) =>
        printNexus((await c.nexus.RemoveChildNexus({ uuid, uri })).nexus, fmt),
      ),
    );
  nexus
    .command('fault <uuid> <uri>')
    .description('retire a child as if it had failed')
    .action(
      withClient(async (c, fmt, uuid: string, uri: string) =>
        printNexus((await c.nexus.FaultNexusChild({ uuid, uri })).nexus, fmt),
      ),
    );
  const childOp = (name: string, action: ChildAction, description: string) =>
    nexus
      .command(`${name} <uuid> <uri>`)
      .description(description)
      .action(
        withClient(async (c, fmt, uuid: string, uri: string) =>
          printNexus((await c.nexus.ChildOperation({ nexus_uuid: uuid, uri, action })).nexus, fmt),
        ),
      );
  childOp('online', 'Online', 'bring a retired child back (partial rebuild when it has an I/O log)');
  childOp('offline', 'Offline', 'take a child out, keeping an I/O log for a partial rebuild');
  childOp('offline-permanent', 'OfflinePermanent', 'take a child out for good');

  const rebuild = root.command('rebuild').description('start, pause, resume, stop and watch child rebuilds');
  const rebuildOp = (name: 'start' | 'stop' | 'pause' | 'resume') =>
    rebuild
      .command(`${name} <nexus-uuid> <child-uri>`)
      .description(`${name} the rebuild of a child`)
      .action(
        withClient(async (c, fmt, uuid: string, uri: string) => {
          const req = { nexus_uuid: uuid, uri };
          const r =
            name === 'start'
              ? await c.nexus.StartRebuild(req)
              : name === 'stop'
                ? await c.nexus.StopRebuild(req)
                : name === 'pause'
                  ? await c.nexus.PauseRebuild(req)
                  : await c.nexus.ResumeRebuild(req);
          printNexus(r.nexus, fmt);
        }),
      );
  for (const op of ['start', 'stop', 'pause', 'resume'] as const) rebuildOp(op);
  rebuild
    .command('state <nexus-uuid> <child-uri>')
    .description('state of the rebuild of a child')
    .action(
      withClient(async (c, fmt, uuid: string, uri: string) => {
        const r = await c.nexus.GetRebuildState({ nexus_uuid: uuid, uri });
        if (fmt === 'table') process.stdout.write(`${r.state}\n`);
        else printResources(r, fmt, []);
      }),
    );
  rebuild
    .command('stats <nexus-uuid> <child-uri>')
    .description('progress of the rebuild of a child')
    .action(
      withClient(async (c, fmt, uuid: string, uri: string) => {
        const s = await c.nexus.GetRebuildStats({ nexus_uuid: uuid, uri });
        printResources(s, fmt, [
          { header: 'child', get: (x) => x.uri },
          { header: 'state', get: (x) => x.state },
          { header: 'partial', get: (x) => x.is_partial },
          { header: 'progress', get: (x) => `${x.progress}%` },
          { header: 'recovered', get: (x) => size(x.blocks_recovered * x.block_size) },
          { header: 'total', get: (x) => size(x.blocks_total * x.block_size) },
          { header: 'tasks', get: (x) => `${x.tasks_active}/${x.tasks_total}` },
        ]);
      }),
    );
  rebuild
    .command('history <nexus-uuid>')
    .description('finished rebuilds of a nexus')
    .action(
      withClient(async (c, fmt, uuid: string) => {
        printResources((await c.nexus.GetRebuildHistory({ uuid })).records, fmt, HISTORY_COLUMNS);
      }),
    );
}

function registerBdev(root: Command): void {
  const bdev = root.command('bdev').description('block devices held by the io-engine');
  bdev
    .command('list')
    .description('list block devices (disks, replicas, nexuses)')
    .action(
      withClient(async (c, fmt) => printResources((await c.bdev.ListBdevs({})).bdevs, fmt, BDEV_COLUMNS)),
    );
  bdev
    .command('create <uri>')
    .description('open a block device, e.g. malloc:///m0?size_mb=64')
    .action(
      withClient(async (c, fmt, uri: string) =>
        printResources((await c.bdev.Create({ uri })).bdev!, fmt, BDEV_COLUMNS),
      ),
    );
  bdev
    .command('destroy <name>')
    .description('close a block device opened with create')
    .action(
      withClient(async (c, fmt, name: string) => {
        await c.bdev.Destroy({ name });
        done(fmt, `bdev ${name} destroyed`);
      }),
    );
  bdev
    .command('share <name>')
    .description('share a block device over NVMe-oF')
    .option('--allowed-host <nqn>', 'host NQN allowed to connect (repeatable)', collect)
    .action(
      withClient(async (c, fmt, name: string, o: { allowedHost?: string[] }) =>
        printResources(
          (await c.bdev.Share({ name, protocol: 'NVMF', allowed_hosts: o.allowedHost ?? [] })).bdev!,
          fmt,
          BDEV_COLUMNS,
        ),
      ),
    );
  bdev
    .command('unshare <name>')
    .description('stop sharing a block device')
    .action(
      withClient(async (c, fmt, name: string) => {
        await c.bdev.Unshare({ name });
        done(fmt, `bdev ${name} unshared`);
      }),
    );
}

function registerHost(root: Command): void {
  const host = root.command('host').description('the node: io-engine info, block devices, resource usage');
  host
    .command('info')
    .description('version, features, endpoints and registration state')
    .action(
      withClient(async (c, fmt) => {
        const i = await c.host.GetMayastorInfo({});
        if (fmt !== 'table') return printResources(i, fmt, []);
        const features = Object.entries(i.supportedFeatures ?? {})
          .filter(([, v]) => v === true)
          .map(([k]) => k);
        const rows: Array<[string, string | number]> = [
          ['node', i.node_name],
          ['version', i.version],
          ['grpc endpoint', i.grpc_endpoint],
          ['host nqn', i.hostnqn],
          ['instance', i.instance_uuid],
          ['uptime', `${i.uptime_seconds}s`],
          ['registration', i.registration],
          ['api versions', i.api_versions.join(',')],
          ['nvmf ports', `replica ${i.nvmf_replica_port}, nexus ${i.nvmf_nexus_port}`],
          ['nbd port', i.nbd_port],
          ['http port', i.http_port],
          ['features', features.join(', ')],
        ];
        printResources(
          rows.map(([k, v]) => ({ k, v })),
          fmt,
          [
            { header: 'property', get: (r) => r.k },
            { header: 'value', get: (r) => r.v },
          ],
        );
      }),
    );
  host
    .command('block-devices')
    .description('block devices of the node (only usable ones unless --all)')
    .option('--all', 'include devices in use')
    .action(
      withClient(async (c, fmt, o: { all?: boolean }) =>
        printResources((await c.host.ListBlockDevices({ all: !!o.all })).devices, fmt, BLOCKDEV_COLUMNS),
      ),
    );
  host
    .command('resource-usage')
    .description("the io-engine process's resource usage")
    .action(
      withClient(async (c, fmt) => {
        const u = (await c.host.GetMayastorResourceUsage({})).usage;
        printResources(
          Object.entries(u ?? {}).map(([k, v]) => ({ k, v: Number(v) })),
          fmt,
          [
            { header: 'counter', get: (r) => r.k },
            { header: 'value', get: (r) => r.v },
          ],
        );
      }),
    );
}

function registerStats(root: Command): void {
  const stats = root.command('stats').description('I/O statistics per pool, replica and nexus');
  stats
    .command('pool [name]')
    .description('pool I/O statistics')
    .action(
      withClient(async (c, fmt, name?: string) =>
        printResources((await c.stats.GetPoolIoStats(name ? { name } : {})).stats, fmt, STATS_COLUMNS),
      ),
    );
  stats
    .command('replica [name]')
    .description('replica I/O statistics')
    .action(
      withClient(async (c, fmt, name?: string) =>
        printResources(
          (await c.stats.GetReplicaIoStats(name ? { name } : {})).stats.map((s) => s.stats!),
          fmt,
          STATS_COLUMNS,
        ),
      ),
    );
  stats
    .command('nexus [name]')
    .description('nexus (volume) I/O statistics')
    .action(
      withClient(async (c, fmt, name?: string) =>
        printResources((await c.stats.GetNexusIoStats(name ? { name } : {})).stats, fmt, STATS_COLUMNS),
      ),
    );
  stats
    .command('reset')
    .description('zero every counter')
    .action(
      withClient(async (c, fmt) => {
        await c.stats.ResetIoStats({});
        done(fmt, 'statistics reset');
      }),
    );
}

const FAULT_OPS: Record<string, FaultOp> = {
  read: 'FAULT_READ',
  write: 'FAULT_WRITE',
  flush: 'FAULT_FLUSH',
  unmap: 'FAULT_UNMAP',
  'write-zeroes': 'FAULT_WRITE_ZEROES',
};
const FAULT_ACTIONS: Record<string, FaultAction> = {
  error: 'FAULT_ERROR',
  delay: 'FAULT_DELAY',
  hang: 'FAULT_HANG',
  corrupt: 'FAULT_CORRUPT',
};

function registerTest(root: Command): void {
  const test = root.command('test').description('test support: features and fault injection');
  test
    .command('features')
    .description('test features of the io-engine')
    .action(
      withClient(async (c, fmt) =>
        printResources(await c.test.GetFeatures({}), fmt, [
          { header: 'fault injection', get: (f) => f.fault_injection },
        ]),
      ),
    );
  const target = (o: { replica?: string; nexus?: string; child?: string }) => {
    if (o.replica) return { replica_uuid: o.replica };
    if (o.nexus && o.child) return { nexus_child: { nexus_uuid: o.nexus, child_uri: o.child } };
    throw invalidArgument('give --replica <uuid>, or --nexus <uuid> and --child <uri>');
  };
  test
    .command('fault-add')
    .description('inject a fault into a shared replica or a nexus child')
    .option('--replica <uuid>')
    .option('--nexus <uuid>')
    .option('--child <uri>')
    .requiredOption('--op <op>', 'read, write, flush, unmap, write-zeroes (repeatable)', collect)
    .option('--action <action>', 'error, delay, hang or corrupt', 'error')
    .option('--delay-ms <ms>', 'for delay')
    .option('--count <n>', 'hit this many times')
    .option('--skip <n>', 'let this many through first')
    .action(
      withClient(
        async (
          c,
          fmt,
          o: {
            replica?: string;
            nexus?: string;
            child?: string;
            op: string[];
            action: string;
            delayMs?: string;
            count?: string;
            skip?: string;
          },
        ) => {
          const ops = o.op.map((x) => {
            const v = FAULT_OPS[x];
            if (!v) throw invalidArgument(`--op '${x}': use ${Object.keys(FAULT_OPS).join(', ')}`);
            return v;
          });
          const action = FAULT_ACTIONS[o.action];
          if (!action)
            throw invalidArgument(`--action '${o.action}': use ${Object.keys(FAULT_ACTIONS).join(', ')}`);
          const r = await c.test.AddFaultInjection({
            target: target(o),
            spec: {
              ops,
              action,
              delay_ms: Number(o.delayMs ?? 0),
              skip: Number(o.skip ?? 0),
              ...(o.count !== undefined ? { count: Number(o.count) } : {}),
            },
          });
          if (fmt === 'table') process.stdout.write(`${r.id}\n`);
          else printResources(r, fmt, []);
        },
      ),
    );
  test
    .command('fault-remove <id>')
    .description('remove an injected fault')
    .option('--replica <uuid>')
    .option('--nexus <uuid>')
    .option('--child <uri>')
    .action(
      withClient(async (c, fmt, id: string, o: { replica?: string; nexus?: string; child?: string }) => {
        await c.test.RemoveFaultInjection({ target: target(o), id });
        done(fmt, `fault ${id} removed`);
      }),
    );
  test
    .command('fault-list')
    .description('list injected faults')
    .action(
      withClient(async (c, fmt) =>
        printResources((await c.test.ListFaultInjection({})).injections, fmt, FAULT_COLUMNS),
      ),
    );
}

export function registerIoEngineClientCommand(program: Command): void {
  const root = program
    .command('io-engine-client')
    .description('drive an io-engine over gRPC: pools, replicas, nexuses, bdevs, host, stats')
    .option('-b, --bind <host:port>', 'the io-engine gRPC endpoint', '127.0.0.1:10124')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--timeout <ms>', 'per-call deadline', '30000');
  registerPool(root);
  registerReplica(root);
  registerNexus(root);
  registerBdev(root);
  registerHost(root);
  registerStats(root);
  registerTest(root);
}
