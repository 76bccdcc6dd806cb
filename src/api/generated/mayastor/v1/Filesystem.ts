// Original file: mayastor/v1/host.proto


export interface Filesystem {
  'fstype'?: (string);
  'label'?: (string);
  'uuid'?: (string);
  'mountpoint'?: (string);
}

export interface Filesystem__Output {
  'fstype': (string);
  'label': (string);
  'uuid': (string);
  'mountpoint': (string);
}
