// Original file: mayastor/v1/registration.proto

export const ApiVersion = {
  V0: 'V0',
  V1: 'V1',
} as const;

export type ApiVersion =
  | 'V0'
  | 0
  | 'V1'
  | 1

export type ApiVersion__Output = typeof ApiVersion[keyof typeof ApiVersion]
