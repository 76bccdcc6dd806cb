// Original file: mayastor/v1/nexus.proto


export interface RebuildHistoryRequest {
  'uuid'?: (string);
}

export interface RebuildHistoryRequest__Output {
  'uuid': (string);
}
