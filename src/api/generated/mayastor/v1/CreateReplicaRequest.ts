// Original file: mayastor/v1/replica.proto

import type { ShareProtocol as _mayastor_v1_ShareProtocol, ShareProtocol__Output as _mayastor_v1_ShareProtocol__Output } from '../../mayastor/v1/ShareProtocol.js';
import type { Long } from '@grpc/proto-loader';

export interface CreateReplicaRequest {
  /**
   * Defaults to the uuid.
   */
  'name'?: (string);
  'uuid'?: (string);
  /**
   * The pool, by uuid or by name.
   */
  'pooluuid'?: (string);
  /**
   * Bytes, a multiple of the pool's block size.
   */
  'size'?: (number | string | Long);
  'thin'?: (boolean);
  'share'?: (_mayastor_v1_ShareProtocol);
  /**
   * Host NQNs allowed to connect when shared; empty means any host.
   */
  'allowed_hosts'?: (string)[];
  /**
   * The volume (or other entity) this replica belongs to.
   */
  'entity_id'?: (string);
  '_entity_id'?: "entity_id";
}

export interface CreateReplicaRequest__Output {
  /**
   * Defaults to the uuid.
   */
  'name': (string);
  'uuid': (string);
  /**
   * The pool, by uuid or by name.
   */
  'pooluuid': (string);
  /**
   * Bytes, a multiple of the pool's block size.
   */
  'size': (number);
  'thin': (boolean);
  'share': (_mayastor_v1_ShareProtocol__Output);
  /**
   * Host NQNs allowed to connect when shared; empty means any host.
   */
  'allowed_hosts': (string)[];
  /**
   * The volume (or other entity) this replica belongs to.
   */
  'entity_id'?: (string);
  '_entity_id'?: "entity_id";
}
