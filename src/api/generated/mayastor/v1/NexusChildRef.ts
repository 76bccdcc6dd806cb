// Original file: mayastor/v1/test.proto


export interface NexusChildRef {
  'nexus_uuid'?: (string);
  'child_uri'?: (string);
}

export interface NexusChildRef__Output {
  'nexus_uuid': (string);
  'child_uri': (string);
}
