// Original file: mayastor/v1/test.proto

import type { FaultTarget as _mayastor_v1_FaultTarget, FaultTarget__Output as _mayastor_v1_FaultTarget__Output } from '../../mayastor/v1/FaultTarget.js';

export interface ListFaultInjectionRequest {
  'target'?: (_mayastor_v1_FaultTarget | null);
  '_target'?: "target";
}

export interface ListFaultInjectionRequest__Output {
  'target'?: (_mayastor_v1_FaultTarget__Output | null);
  '_target'?: "target";
}
