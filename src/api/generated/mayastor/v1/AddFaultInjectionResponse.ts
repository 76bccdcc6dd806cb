// Original file: mayastor/v1/test.proto


export interface AddFaultInjectionResponse {
  'id'?: (string);
}

export interface AddFaultInjectionResponse__Output {
  'id': (string);
}
