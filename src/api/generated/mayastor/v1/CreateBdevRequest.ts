// Original file: mayastor/v1/bdev.proto


export interface CreateBdevRequest {
  'uri'?: (string);
}

export interface CreateBdevRequest__Output {
  'uri': (string);
}
