// Original file: mayastor/v1/nexus.proto

import type { ShareProtocol as _mayastor_v1_ShareProtocol, ShareProtocol__Output as _mayastor_v1_ShareProtocol__Output } from '../../mayastor/v1/ShareProtocol.js';

export interface PublishNexusRequest {
  'uuid'?: (string);
  /**
   * Reserved (Mayastor's crypto key); must be empty.
   */
  'key'?: (string);
  'share'?: (_mayastor_v1_ShareProtocol);
  /**
   * NVMe-oF: host NQNs. NBD: client addresses or CIDR subnets. Empty means anyone.
   */
  'allowed_hosts'?: (string)[];
}

export interface PublishNexusRequest__Output {
  'uuid': (string);
  /**
   * Reserved (Mayastor's crypto key); must be empty.
   */
  'key': (string);
  'share': (_mayastor_v1_ShareProtocol__Output);
  /**
   * NVMe-oF: host NQNs. NBD: client addresses or CIDR subnets. Empty means anyone.
   */
  'allowed_hosts': (string)[];
}
