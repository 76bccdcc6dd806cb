// Original file: mayastor/v1/test.proto

import type { FaultTarget as _mayastor_v1_FaultTarget, FaultTarget__Output as _mayastor_v1_FaultTarget__Output } from '../../mayastor/v1/FaultTarget.js';
import type { FaultSpec as _mayastor_v1_FaultSpec, FaultSpec__Output as _mayastor_v1_FaultSpec__Output } from '../../mayastor/v1/FaultSpec.js';
import type { Long } from '@grpc/proto-loader';

export interface FaultInjection {
  'target'?: (_mayastor_v1_FaultTarget | null);
  'id'?: (string);
  'spec'?: (_mayastor_v1_FaultSpec | null);
  'hits'?: (number | string | Long);
  'active'?: (boolean);
}

export interface FaultInjection__Output {
  'target': (_mayastor_v1_FaultTarget__Output | null);
  'id': (string);
  'spec': (_mayastor_v1_FaultSpec__Output | null);
  'hits': (number);
  'active': (boolean);
}
