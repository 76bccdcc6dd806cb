// Original file: mayastor/v1/nexus.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateNexusRequest {
  'name'?: (string);
  'uuid'?: (string);
  /**
   * Bytes; no child may be smaller.
   */
  'size'?: (number | string | Long);
  /**
   * NVMe controller ID range of the published subsystem (default 1..0xffef).
   */
  'minCntlId'?: (number);
  'maxCntlId'?: (number);
  /**
   * Child URIs: bdev:///<replica-uuid>?uuid=<uuid>, nvmf://ip:8420/<nqn>?uuid=<uuid>, ...
   */
  'children'?: (string)[];
  /**
   * NexusInfo key; default "nexus/<uuid>".
   */
  'nexusInfoKey'?: (string);
}

export interface CreateNexusRequest__Output {
  'name': (string);
  'uuid': (string);
  /**
   * Bytes; no child may be smaller.
   */
  'size': (number);
  /**
   * NVMe controller ID range of the published subsystem (default 1..0xffef).
   */
  'minCntlId': (number);
  'maxCntlId': (number);
  /**
   * Child URIs: bdev:///<replica-uuid>?uuid=<uuid>, nvmf://ip:8420/<nqn>?uuid=<uuid>, ...
   */
  'children': (string)[];
  /**
   * NexusInfo key; default "nexus/<uuid>".
   */
  'nexusInfoKey': (string);
}
