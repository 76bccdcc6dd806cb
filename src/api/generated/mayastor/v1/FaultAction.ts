// Original file: mayastor/v1/test.proto

export const FaultAction = {
  /**
   * Fail the I/O.
   */
  FAULT_ERROR: 'FAULT_ERROR',
  /**
   * Wait delay_ms, then perform it.
   */
  FAULT_DELAY: 'FAULT_DELAY',
  /**
   * Never complete it until the fault is removed.
   */
  FAULT_HANG: 'FAULT_HANG',
  /**
   * Reads: flip a bit in the data returned.
   */
  FAULT_CORRUPT: 'FAULT_CORRUPT',
} as const;

export type FaultAction =
  /**
   * Fail the I/O.
   */
  | 'FAULT_ERROR'
  | 0
  /**
   * Wait delay_ms, then perform it.
   */
  | 'FAULT_DELAY'
  | 1
  /**
   * Never complete it until the fault is removed.
   */
  | 'FAULT_HANG'
  | 2
  /**
   * Reads: flip a bit in the data returned.
   */
  | 'FAULT_CORRUPT'
  | 3

export type FaultAction__Output = typeof FaultAction[keyof typeof FaultAction]
