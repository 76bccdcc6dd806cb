/**
 * The control plane's persistent store: etcd v3 semantics, whichever backend is behind it.
 *
 * Two backends implement it with the same behaviour (one conformance suite runs against both):
 * a real etcd cluster, and the embedded store (SQLite-backed, served over the etcd v3 gRPC API),
 * the default on a single machine. Keys and values are strings of UTF-8 (values are JSON in
 * practice); revisions are the store-wide counter etcd calls `revision`.
 */

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the put that created the key (since its last delete). */
  createRevision: number;
  /** Revision of the latest put to the key. */
  modRevision: number;
  /** Number of puts since creation (1 after the first put). */
  version: number;
  /** Lease the key is attached to, 0 for none. */
  lease: number;
}

export interface RangeOptions {
  /** Return at most this many keys (0 = no limit). Keys come sorted ascending. */
  limit?: number;
  /** Read as of this revision (compacted revisions fail with STORE_COMPACTED). */
  revision?: number;
  /** Return keys only, values empty. */
  keysOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** More keys matched than `limit` returned. */
  more: boolean;
  /** Total number of keys matching (ignoring limit). */
  count: number;
  /** Store revision the read was served at. */
  revision: number;
}

export interface PutOptions {
  /** Attach the key to this lease; it is deleted when the lease expires or is revoked. */
  lease?: number;
  /** Return the previous key-value. */
  prevKv?: boolean;
}

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteResult {
  revision: number;
  deleted: number;
}

/** A condition of a transaction (etcd's Compare). */
export type Compare =
  | { key: string; target: 'value'; op: CompareOp; value: string }
  | {
      key: string;
      target: 'version' | 'createRevision' | 'modRevision' | 'lease';
      op: CompareOp;
      value: number;
    };
export type CompareOp = '=' | '!=' | '<' | '>';

/** One operation of a transaction branch. */
export type TxnOp =
  | { op: 'put'; key: string; value: string; lease?: number }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'get'; key: string }
  | { op: 'range'; prefix: string; limit?: number };

export type TxnOpResult =
  | { op: 'put'; revision: number }
  | { op: 'delete' | 'deletePrefix'; deleted: number }
  | { op: 'get' | 'range'; kvs: KeyValue[] };

export interface Txn {
  compare: Compare[];
  success: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  results: TxnOpResult[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Deliver events from this revision on (inclusive); default: from now. */
  fromRevision?: number;
  /** Watch every key under the prefix instead of one key. */
  prefix?: boolean;
  prevKv?: boolean;
}

export interface Watcher {
  /** Stop watching; no event is delivered after the promise resolves. */
  cancel(): Promise<void>;
}

export interface WatchHandlers {
  /** Events of one revision arrive together, in revision order, never twice. */
  onEvents(events: WatchEvent[], revision: number): void;
  /**
   * The watch ended without cancel(): the store went away for good, or `fromRevision` was
   * compacted (code STORE_COMPACTED). A transient connection loss is retried inside the
   * backend, resuming from the last delivered revision, and does not end the watch.
   */
  onError(err: Error): void;
}

export interface LeaseGrant {
  id: number;
  ttlSeconds: number;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  /** Every key that starts with `prefix`, ascending. */
  range(prefix: string, options?: RangeOptions): Promise<RangeResult>;
  put(key: string, value: string, options?: PutOptions): Promise<PutResult>;
  delete(key: string): Promise<DeleteResult>;
  deletePrefix(prefix: string): Promise<DeleteResult>;
  txn(txn: Txn): Promise<TxnResult>;
  watch(key: string, options: WatchOptions, handlers: WatchHandlers): Promise<Watcher>;
  leaseGrant(ttlSeconds: number): Promise<LeaseGrant>;
  /** Refresh a lease once; returns the TTL left, 0 (or STORE_LEASE_NOT_FOUND) when it expired. */
  leaseKeepAliveOnce(id: number): Promise<number>;
  leaseRevoke(id: number): Promise<void>;
  /** Current store revision. */
  revision(): Promise<number>;
  close(): Promise<void>;
}
