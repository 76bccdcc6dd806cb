// Original file: mayastor/v1/nexus.proto


export interface FaultNexusChildRequest {
  'uuid'?: (string);
  'uri'?: (string);
}

export interface FaultNexusChildRequest__Output {
  'uuid': (string);
  'uri': (string);
}
