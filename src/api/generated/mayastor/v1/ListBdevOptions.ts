// Original file: mayastor/v1/bdev.proto


export interface ListBdevOptions {
  'name'?: (string);
  '_name'?: "name";
}

export interface ListBdevOptions__Output {
  'name'?: (string);
  '_name'?: "name";
}
