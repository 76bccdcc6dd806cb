// Original file: mayastor/v1/registration.proto

import type { ApiVersion as _mayastor_v1_ApiVersion, ApiVersion__Output as _mayastor_v1_ApiVersion__Output } from '../../mayastor/v1/ApiVersion.js';
import type { MayastorFeatures as _mayastor_v1_MayastorFeatures, MayastorFeatures__Output as _mayastor_v1_MayastorFeatures__Output } from '../../mayastor/v1/MayastorFeatures.js';
import type { MayastorBugFixes as _mayastor_v1_MayastorBugFixes, MayastorBugFixes__Output as _mayastor_v1_MayastorBugFixes__Output } from '../../mayastor/v1/MayastorBugFixes.js';

export interface RegisterRequest {
  /**
   * The node name.
   */
  'id'?: (string);
  /**
   * host:port of this io-engine's gRPC server, as the control plane should dial it.
   */
  'grpc_endpoint'?: (string);
  /**
   * Changes on every start, so a restart is visible even without a missed heartbeat.
   */
  'instance_uuid'?: (string);
  'api_version'?: (_mayastor_v1_ApiVersion)[];
  /**
   * The NVMe host NQN this io-engine connects to remote replicas with.
   */
  'hostnqn'?: (string);
  'features'?: (_mayastor_v1_MayastorFeatures | null);
  'bugfixes'?: (_mayastor_v1_MayastorBugFixes | null);
  /**
   * Extensions.
   */
  'version'?: (string);
  /**
   * Seconds between heartbeats: a node missing a few of them is offline.
   */
  'heartbeat_interval_sec'?: (number);
  '_instance_uuid'?: "instance_uuid";
  '_hostnqn'?: "hostnqn";
  '_features'?: "features";
  '_bugfixes'?: "bugfixes";
}

export interface RegisterRequest__Output {
  /**
   * The node name.
   */
  'id': (string);
  /**
   * host:port of this io-engine's gRPC server, as the control plane should dial it.
   */
  'grpc_endpoint': (string);
  /**
   * Changes on every start, so a restart is visible even without a missed heartbeat.
   */
  'instance_uuid'?: (string);
  'api_version': (_mayastor_v1_ApiVersion__Output)[];
  /**
   * The NVMe host NQN this io-engine connects to remote replicas with.
   */
  'hostnqn'?: (string);
  'features'?: (_mayastor_v1_MayastorFeatures__Output | null);
  'bugfixes'?: (_mayastor_v1_MayastorBugFixes__Output | null);
  /**
   * Extensions.
   */
  'version': (string);
  /**
   * Seconds between heartbeats: a node missing a few of them is offline.
   */
  'heartbeat_interval_sec': (number);
  '_instance_uuid'?: "instance_uuid";
  '_hostnqn'?: "hostnqn";
  '_features'?: "features";
  '_bugfixes'?: "bugfixes";
}
