// Original file: mayastor/v1/test.proto

import type { FaultTarget as _mayastor_v1_FaultTarget, FaultTarget__Output as _mayastor_v1_FaultTarget__Output } from '../../mayastor/v1/FaultTarget.js';
import type { FaultSpec as _mayastor_v1_FaultSpec, FaultSpec__Output as _mayastor_v1_FaultSpec__Output } from '../../mayastor/v1/FaultSpec.js';

export interface AddFaultInjectionRequest {
  'target'?: (_mayastor_v1_FaultTarget | null);
  'spec'?: (_mayastor_v1_FaultSpec | null);
}

export interface AddFaultInjectionRequest__Output {
  'target': (_mayastor_v1_FaultTarget__Output | null);
  'spec': (_mayastor_v1_FaultSpec__Output | null);
}
