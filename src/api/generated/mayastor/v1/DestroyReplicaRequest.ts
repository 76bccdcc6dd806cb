// Original file: mayastor/v1/replica.proto


export interface DestroyReplicaRequest {
  'uuid'?: (string);
  'pool_name'?: (string);
  'pool_uuid'?: (string);
  /**
   * Optionally, the pool the replica must be in.
   */
  'pool'?: "pool_name"|"pool_uuid";
}

export interface DestroyReplicaRequest__Output {
  'uuid': (string);
  'pool_name'?: (string);
  'pool_uuid'?: (string);
  /**
   * Optionally, the pool the replica must be in.
   */
  'pool'?: "pool_name"|"pool_uuid";
}
