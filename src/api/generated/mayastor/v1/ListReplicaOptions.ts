// Original file: mayastor/v1/replica.proto


export interface ListReplicaOptions {
  'name'?: (string);
  'poolname'?: (string);
  'uuid'?: (string);
  'pooluuid'?: (string);
  '_name'?: "name";
  '_poolname'?: "poolname";
  '_uuid'?: "uuid";
  '_pooluuid'?: "pooluuid";
}

export interface ListReplicaOptions__Output {
  'name'?: (string);
  'poolname'?: (string);
  'uuid'?: (string);
  'pooluuid'?: (string);
  '_name'?: "name";
  '_poolname'?: "poolname";
  '_uuid'?: "uuid";
  '_pooluuid'?: "pooluuid";
}
