// Original file: mayastor/v1/nexus.proto


export interface UnpublishNexusRequest {
  'uuid'?: (string);
}

export interface UnpublishNexusRequest__Output {
  'uuid': (string);
}
