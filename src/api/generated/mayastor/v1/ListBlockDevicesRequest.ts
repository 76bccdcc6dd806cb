// Original file: mayastor/v1/host.proto


export interface ListBlockDevicesRequest {
  'all'?: (boolean);
}

export interface ListBlockDevicesRequest__Output {
  'all': (boolean);
}
