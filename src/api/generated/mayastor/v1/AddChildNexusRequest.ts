// Original file: mayastor/v1/nexus.proto


export interface AddChildNexusRequest {
  'uuid'?: (string);
  'uri'?: (string);
  /**
   * Do not start the rebuild (StartRebuild later).
   */
  'norebuild'?: (boolean);
}

export interface AddChildNexusRequest__Output {
  'uuid': (string);
  'uri': (string);
  /**
   * Do not start the rebuild (StartRebuild later).
   */
  'norebuild': (boolean);
}
