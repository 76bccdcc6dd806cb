/**
 * Where the control plane keeps things in the store (etcd or the embedded store), following
 * upstream Mayastor's layout so that its key names mean the same thing here:
 *
 *   /openebs.io/mayastor/apis/v0/clusters/<cluster>/namespaces/<ns>/<Type>/<id>
 *   /openebs.io/mayastor/apis/v0/clusters/<cluster>/namespaces/<ns>/volume/<vol>/nexus/<nexus>/info
 *
 * Both planes import this module: agent-core writes specs, the io-engine writes NexusInfo.
 */

export const KEY_ROOT = '/openebs.io/mayastor/apis/v0';
export const DEFAULT_CLUSTER_ID = 'local';
export const DEFAULT_NAMESPACE = 'mayastor';

/** The spec types upstream stores (only specs are stored, never state). */
export const SPEC_TYPES = [
  'VolumeSpec',
  'NexusSpec',
  'ReplicaSpec',
  'PoolSpec',
  'NodeSpec',
  'VolumeSnapshot',
  'AppNodeSpec',
  'SwitchOver',
  'WatchConfig',
  'CoreRegistryConfig',
] as const;
export type SpecType = (typeof SPEC_TYPES)[number] | 'LeaderLease' | 'OperationLog';

export interface KeyScope {
  cluster?: string;
  namespace?: string;
}

/** `/openebs.io/mayastor/apis/v0/clusters/<cluster>/namespaces/<ns>` with a trailing slash. */
export function scopePrefix(scope: KeyScope = {}): string {
  const c = scope.cluster ?? DEFAULT_CLUSTER_ID;
  const n = scope.namespace ?? DEFAULT_NAMESPACE;
  return `${KEY_ROOT}/clusters/${c}/namespaces/${n}/`;
}

/** Prefix of every key of one spec type (trailing slash included). */
export function specPrefix(type: SpecType, scope: KeyScope = {}): string {
  return `${scopePrefix(scope)}${type}/`;
}

export function specKey(type: SpecType, id: string, scope: KeyScope = {}): string {
  return `${specPrefix(type, scope)}${id}`;
}

/** Where a nexus's NexusInfo lives (upstream: `<prefix>/volume/<vol>/nexus/<nexus>/info`). */
export function nexusInfoKey(volumeId: string, nexusId: string, scope: KeyScope = {}): string {
  return `${scopePrefix(scope)}volume/${volumeId}/nexus/${nexusId}/info`;
}

/** Prefix of every NexusInfo of one volume. */
export function volumeNexusInfoPrefix(volumeId: string, scope: KeyScope = {}): string {
  return `${scopePrefix(scope)}volume/${volumeId}/nexus/`;
}
