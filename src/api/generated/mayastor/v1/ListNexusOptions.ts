// Original file: mayastor/v1/nexus.proto


export interface ListNexusOptions {
  'name'?: (string);
  'uuid'?: (string);
  '_name'?: "name";
  '_uuid'?: "uuid";
}

export interface ListNexusOptions__Output {
  'name'?: (string);
  'uuid'?: (string);
  '_name'?: "name";
  '_uuid'?: "uuid";
}
