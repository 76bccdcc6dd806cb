// Original file: mayastor/v1/test.proto

export const FaultOp = {
  FAULT_READ: 'FAULT_READ',
  FAULT_WRITE: 'FAULT_WRITE',
  FAULT_FLUSH: 'FAULT_FLUSH',
  FAULT_UNMAP: 'FAULT_UNMAP',
  FAULT_WRITE_ZEROES: 'FAULT_WRITE_ZEROES',
} as const;

export type FaultOp =
  | 'FAULT_READ'
  | 0
  | 'FAULT_WRITE'
  | 1
  | 'FAULT_FLUSH'
  | 2
  | 'FAULT_UNMAP'
  | 3
  | 'FAULT_WRITE_ZEROES'
  | 4

export type FaultOp__Output = typeof FaultOp[keyof typeof FaultOp]
