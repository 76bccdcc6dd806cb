// Original file: mayastor/v1/bdev.proto


export interface DestroyBdevRequest {
  /**
   * The URI given to Create, or the device's name.
   */
  'name'?: (string);
}

export interface DestroyBdevRequest__Output {
  /**
   * The URI given to Create, or the device's name.
   */
  'name': (string);
}
