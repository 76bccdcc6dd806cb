// Original file: mayastor/v1/bdev.proto

import type { ShareProtocol as _mayastor_v1_ShareProtocol, ShareProtocol__Output as _mayastor_v1_ShareProtocol__Output } from '../../mayastor/v1/ShareProtocol.js';

export interface BdevShareRequest {
  'name'?: (string);
  'protocol'?: (_mayastor_v1_ShareProtocol);
  'allowed_hosts'?: (string)[];
}

export interface BdevShareRequest__Output {
  'name': (string);
  'protocol': (_mayastor_v1_ShareProtocol__Output);
  'allowed_hosts': (string)[];
}
