// Original file: mayastor/v1/registration.proto


export interface DeregisterRequest {
  'id'?: (string);
  'instance_uuid'?: (string);
  '_instance_uuid'?: "instance_uuid";
}

export interface DeregisterRequest__Output {
  'id': (string);
  'instance_uuid'?: (string);
  '_instance_uuid'?: "instance_uuid";
}
