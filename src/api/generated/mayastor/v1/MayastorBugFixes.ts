// Original file: mayastor/v1/common.proto


/**
 * Bug fixes that peers may need to know about.
 */
export interface MayastorBugFixes {
  /**
   * The nexus never marks its last healthy child unhealthy in NexusInfo.
   */
  'nexus_reservation_fix'?: (boolean);
}

/**
 * Bug fixes that peers may need to know about.
 */
export interface MayastorBugFixes__Output {
  /**
   * The nexus never marks its last healthy child unhealthy in NexusInfo.
   */
  'nexus_reservation_fix': (boolean);
}
