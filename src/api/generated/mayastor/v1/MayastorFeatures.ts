// Original file: mayastor/v1/common.proto


/**
 * Features an io-engine supports, announced at registration and by GetMayastorInfo.
 */
export interface MayastorFeatures {
  /**
   * NVMe Asymmetric Namespace Access reporting.
   */
  'asymmetricNamespaceAccess'?: (boolean);
  /**
   * LVM-backed pools.
   */
  'logicalVolumeManager'?: (boolean);
  /**
   * Rebuilding replicas from snapshots.
   */
  'snapshotRebuild'?: (boolean);
  /**
   * RDMA transport.
   */
  'rdmaCapableIoEngine'?: (boolean);
  /**
   * Partial (log-based) rebuild of a returning nexus child (extension).
   */
  'partialRebuild'?: (boolean);
  /**
   * Publishing a nexus over NBD (extension).
   */
  'nbdFrontend'?: (boolean);
  /**
   * The TestRpc service accepts fault injection (extension; off unless configured).
   */
  'faultInjection'?: (boolean);
}

/**
 * Features an io-engine supports, announced at registration and by GetMayastorInfo.
 */
export interface MayastorFeatures__Output {
  /**
   * NVMe Asymmetric Namespace Access reporting.
   */
  'asymmetricNamespaceAccess': (boolean);
  /**
   * LVM-backed pools.
   */
  'logicalVolumeManager': (boolean);
  /**
   * Rebuilding replicas from snapshots.
   */
  'snapshotRebuild': (boolean);
  /**
   * RDMA transport.
   */
  'rdmaCapableIoEngine': (boolean);
  /**
   * Partial (log-based) rebuild of a returning nexus child (extension).
   */
  'partialRebuild': (boolean);
  /**
   * Publishing a nexus over NBD (extension).
   */
  'nbdFrontend': (boolean);
  /**
   * The TestRpc service accepts fault injection (extension; off unless configured).
   */
  'faultInjection': (boolean);
}
