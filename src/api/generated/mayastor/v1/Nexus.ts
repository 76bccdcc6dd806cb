// Original file: mayastor/v1/nexus.proto

import type { NexusState as _mayastor_v1_NexusState, NexusState__Output as _mayastor_v1_NexusState__Output } from '../../mayastor/v1/NexusState.js';
import type { Child as _mayastor_v1_Child, Child__Output as _mayastor_v1_Child__Output } from '../../mayastor/v1/Child.js';
import type { ShareProtocol as _mayastor_v1_ShareProtocol, ShareProtocol__Output as _mayastor_v1_ShareProtocol__Output } from '../../mayastor/v1/ShareProtocol.js';
import type { Long } from '@grpc/proto-loader';

export interface Nexus {
  'name'?: (string);
  'uuid'?: (string);
  'size'?: (number | string | Long);
  'state'?: (_mayastor_v1_NexusState);
  'children'?: (_mayastor_v1_Child)[];
  /**
   * Where hosts connect when published: nvmf://<ip>:4421/nqn.2019-05.io.openebs:<name> or
   * nbd://<ip>:<port>/<name>; empty when unpublished.
   */
  'device_uri'?: (string);
  /**
   * Rebuilds in progress.
   */
  'rebuilds'?: (number);
  'allowed_hosts'?: (string)[];
  'share'?: (_mayastor_v1_ShareProtocol);
  'block_size'?: (number);
  'nexus_info_key'?: (string);
}

export interface Nexus__Output {
  'name': (string);
  'uuid': (string);
  'size': (number);
  'state': (_mayastor_v1_NexusState__Output);
  'children': (_mayastor_v1_Child__Output)[];
  /**
   * Where hosts connect when published: nvmf://<ip>:4421/nqn.2019-05.io.openebs:<name> or
   * nbd://<ip>:<port>/<name>; empty when unpublished.
   */
  'device_uri': (string);
  /**
   * Rebuilds in progress.
   */
  'rebuilds': (number);
  'allowed_hosts': (string)[];
  'share': (_mayastor_v1_ShareProtocol__Output);
  'block_size': (number);
  'nexus_info_key': (string);
}
