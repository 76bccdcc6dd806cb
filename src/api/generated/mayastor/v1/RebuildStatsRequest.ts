// Original file: mayastor/v1/nexus.proto


export interface RebuildStatsRequest {
  'nexus_uuid'?: (string);
  'uri'?: (string);
}

export interface RebuildStatsRequest__Output {
  'nexus_uuid': (string);
  'uri': (string);
}
