// Original file: mayastor/v1/nexus.proto


export interface StopRebuildRequest {
  'nexus_uuid'?: (string);
  'uri'?: (string);
}

export interface StopRebuildRequest__Output {
  'nexus_uuid': (string);
  'uri': (string);
}
