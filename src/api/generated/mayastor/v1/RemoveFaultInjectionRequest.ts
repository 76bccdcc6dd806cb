// Original file: mayastor/v1/test.proto

import type { FaultTarget as _mayastor_v1_FaultTarget, FaultTarget__Output as _mayastor_v1_FaultTarget__Output } from '../../mayastor/v1/FaultTarget.js';

export interface RemoveFaultInjectionRequest {
  'target'?: (_mayastor_v1_FaultTarget | null);
  'id'?: (string);
}

export interface RemoveFaultInjectionRequest__Output {
  'target': (_mayastor_v1_FaultTarget__Output | null);
  'id': (string);
}
