// Original file: mayastor/v1/bdev.proto


export interface BdevUnshareRequest {
  'name'?: (string);
}

export interface BdevUnshareRequest__Output {
  'name': (string);
}
