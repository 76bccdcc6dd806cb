// Original file: mayastor/v1/host.proto


export interface Partition {
  'parent'?: (string);
  'number'?: (number);
  'name'?: (string);
  'scheme'?: (string);
  'typeid'?: (string);
  'uuid'?: (string);
}

export interface Partition__Output {
  'parent': (string);
  'number': (number);
  'name': (string);
  'scheme': (string);
  'typeid': (string);
  'uuid': (string);
}
