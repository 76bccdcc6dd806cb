// Original file: mayastor/v1/replica.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Space a replica takes in its pool.
 */
export interface ReplicaSpaceUsage {
  'capacity_bytes'?: (number | string | Long);
  'allocated_bytes'?: (number | string | Long);
  'cluster_size'?: (number | string | Long);
  'num_clusters'?: (number | string | Long);
  'num_allocated_clusters'?: (number | string | Long);
}

/**
 * Space a replica takes in its pool.
 */
export interface ReplicaSpaceUsage__Output {
  'capacity_bytes': (number);
  'allocated_bytes': (number);
  'cluster_size': (number);
  'num_clusters': (number);
  'num_allocated_clusters': (number);
}
