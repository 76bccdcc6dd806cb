// Original file: mayastor/v1/test.proto

import type { NexusChildRef as _mayastor_v1_NexusChildRef, NexusChildRef__Output as _mayastor_v1_NexusChildRef__Output } from '../../mayastor/v1/NexusChildRef.js';

/**
 * What a fault applies to.
 */
export interface FaultTarget {
  /**
   * A child of a local nexus: I/O from the nexus to that child.
   */
  'nexus_child'?: (_mayastor_v1_NexusChildRef | null);
  /**
   * A shared replica: I/O arriving over NVMe-oF.
   */
  'replica_uuid'?: (string);
  'target'?: "nexus_child"|"replica_uuid";
}

/**
 * What a fault applies to.
 */
export interface FaultTarget__Output {
  /**
   * A child of a local nexus: I/O from the nexus to that child.
   */
  'nexus_child'?: (_mayastor_v1_NexusChildRef__Output | null);
  /**
   * A shared replica: I/O arriving over NVMe-oF.
   */
  'replica_uuid'?: (string);
  'target'?: "nexus_child"|"replica_uuid";
}
