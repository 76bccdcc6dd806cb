// Original file: mayastor/v1/test.proto

import type { FaultInjection as _mayastor_v1_FaultInjection, FaultInjection__Output as _mayastor_v1_FaultInjection__Output } from '../../mayastor/v1/FaultInjection.js';

export interface ListFaultInjectionResponse {
  'injections'?: (_mayastor_v1_FaultInjection)[];
}

export interface ListFaultInjectionResponse__Output {
  'injections': (_mayastor_v1_FaultInjection__Output)[];
}
