// Original file: mayastor/v1/replica.proto

import type { ShareProtocol as _mayastor_v1_ShareProtocol, ShareProtocol__Output as _mayastor_v1_ShareProtocol__Output } from '../../mayastor/v1/ShareProtocol.js';
import type { ReplicaSpaceUsage as _mayastor_v1_ReplicaSpaceUsage, ReplicaSpaceUsage__Output as _mayastor_v1_ReplicaSpaceUsage__Output } from '../../mayastor/v1/ReplicaSpaceUsage.js';
import type { Long } from '@grpc/proto-loader';

export interface Replica {
  'name'?: (string);
  'uuid'?: (string);
  'pooluuid'?: (string);
  'size'?: (number | string | Long);
  'thin'?: (boolean);
  'share'?: (_mayastor_v1_ShareProtocol);
  /**
   * bdev:///<name>?uuid=<uuid> when not shared; nvmf://<ip>:8420/nqn.2019-05.io.openebs:<uuid>?uuid=<uuid> when shared.
   */
  'uri'?: (string);
  'allowed_hosts'?: (string)[];
  'poolname'?: (string);
  'usage'?: (_mayastor_v1_ReplicaSpaceUsage | null);
  'entity_id'?: (string);
  /**
   * A local nexus uses this replica as a child (extension).
   */
  'claimed'?: (boolean);
}

export interface Replica__Output {
  'name': (string);
  'uuid': (string);
  'pooluuid': (string);
  'size': (number);
  'thin': (boolean);
  'share': (_mayastor_v1_ShareProtocol__Output);
  /**
   * bdev:///<name>?uuid=<uuid> when not shared; nvmf://<ip>:8420/nqn.2019-05.io.openebs:<uuid>?uuid=<uuid> when shared.
   */
  'uri': (string);
  'allowed_hosts': (string)[];
  'poolname': (string);
  'usage': (_mayastor_v1_ReplicaSpaceUsage__Output | null);
  'entity_id': (string);
  /**
   * A local nexus uses this replica as a child (extension).
   */
  'claimed': (boolean);
}
