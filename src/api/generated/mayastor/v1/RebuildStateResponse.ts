// Original file: mayastor/v1/nexus.proto


export interface RebuildStateResponse {
  /**
   * init, rebuilding, paused, stopped, failed or completed.
   */
  'state'?: (string);
}

export interface RebuildStateResponse__Output {
  /**
   * init, rebuilding, paused, stopped, failed or completed.
   */
  'state': (string);
}
