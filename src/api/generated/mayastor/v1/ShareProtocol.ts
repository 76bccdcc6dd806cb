// Original file: mayastor/v1/common.proto

/**
 * How a replica, bdev or nexus is exposed over the network.
 */
export const ShareProtocol = {
  /**
   * Not shared; reachable only inside this io-engine (bdev:///<name>?uuid=...).
   */
  NONE: 'NONE',
  /**
   * NVMe over Fabrics, TCP transport.
   */
  NVMF: 'NVMF',
  /**
   * iSCSI. Reserved for compatibility with Mayastor; not implemented (UNIMPLEMENTED).
   */
  ISCSI: 'ISCSI',
  /**
   * Network Block Device (extension of this implementation; nexuses only).
   */
  NBD: 'NBD',
} as const;

/**
 * How a replica, bdev or nexus is exposed over the network.
 */
export type ShareProtocol =
  /**
   * Not shared; reachable only inside this io-engine (bdev:///<name>?uuid=...).
   */
  | 'NONE'
  | 0
  /**
   * NVMe over Fabrics, TCP transport.
   */
  | 'NVMF'
  | 1
  /**
   * iSCSI. Reserved for compatibility with Mayastor; not implemented (UNIMPLEMENTED).
   */
  | 'ISCSI'
  | 2
  /**
   * Network Block Device (extension of this implementation; nexuses only).
   */
  | 'NBD'
  | 3

/**
 * How a replica, bdev or nexus is exposed over the network.
 */
export type ShareProtocol__Output = typeof ShareProtocol[keyof typeof ShareProtocol]
