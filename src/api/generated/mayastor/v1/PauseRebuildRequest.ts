// Original file: mayastor/v1/nexus.proto


export interface PauseRebuildRequest {
  'nexus_uuid'?: (string);
  'uri'?: (string);
}

export interface PauseRebuildRequest__Output {
  'nexus_uuid': (string);
  'uri': (string);
}
