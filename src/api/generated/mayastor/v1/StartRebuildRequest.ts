// Original file: mayastor/v1/nexus.proto


export interface StartRebuildRequest {
  'nexus_uuid'?: (string);
  'uri'?: (string);
}

export interface StartRebuildRequest__Output {
  'nexus_uuid': (string);
  'uri': (string);
}
