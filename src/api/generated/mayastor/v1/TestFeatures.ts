// Original file: mayastor/v1/test.proto


export interface TestFeatures {
  /**
   * Replica wipe methods (Mayastor's WipeReplica); none are implemented yet.
   */
  'wipe_methods'?: (string)[];
  /**
   * Fault injection is enabled.
   */
  'fault_injection'?: (boolean);
}

export interface TestFeatures__Output {
  /**
   * Replica wipe methods (Mayastor's WipeReplica); none are implemented yet.
   */
  'wipe_methods': (string)[];
  /**
   * Fault injection is enabled.
   */
  'fault_injection': (boolean);
}
