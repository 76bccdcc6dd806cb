// Original file: mayastor/v1/stats.proto


export interface ListStatsOption {
  /**
   * Only the resource of this name.
   */
  'name'?: (string);
  '_name'?: "name";
}

export interface ListStatsOption__Output {
  /**
   * Only the resource of this name.
   */
  'name'?: (string);
  '_name'?: "name";
}
