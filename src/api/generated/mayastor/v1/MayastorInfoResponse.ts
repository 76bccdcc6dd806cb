// Original file: mayastor/v1/host.proto

import type { MayastorFeatures as _mayastor_v1_MayastorFeatures, MayastorFeatures__Output as _mayastor_v1_MayastorFeatures__Output } from '../../mayastor/v1/MayastorFeatures.js';
import type { Long } from '@grpc/proto-loader';

export interface MayastorInfoResponse {
  'version'?: (string);
  'supportedFeatures'?: (_mayastor_v1_MayastorFeatures | null);
  /**
   * Extensions.
   */
  'node_name'?: (string);
  'grpc_endpoint'?: (string);
  'hostnqn'?: (string);
  'instance_uuid'?: (string);
  'uptime_seconds'?: (number | string | Long);
  /**
   * "registered", "standalone" or "unregistered" (endpoint configured, not reached yet).
   */
  'registration'?: (string);
  'api_versions'?: (string)[];
  /**
   * Listeners: NVMe-oF replica and nexus ports, NBD, HTTP.
   */
  'nvmf_replica_port'?: (number);
  'nvmf_nexus_port'?: (number);
  'nbd_port'?: (number);
  'http_port'?: (number);
}

export interface MayastorInfoResponse__Output {
  'version': (string);
  'supportedFeatures': (_mayastor_v1_MayastorFeatures__Output | null);
  /**
   * Extensions.
   */
  'node_name': (string);
  'grpc_endpoint': (string);
  'hostnqn': (string);
  'instance_uuid': (string);
  'uptime_seconds': (number);
  /**
   * "registered", "standalone" or "unregistered" (endpoint configured, not reached yet).
   */
  'registration': (string);
  'api_versions': (string)[];
  /**
   * Listeners: NVMe-oF replica and nexus ports, NBD, HTTP.
   */
  'nvmf_replica_port': (number);
  'nvmf_nexus_port': (number);
  'nbd_port': (number);
  'http_port': (number);
}
