// Original file: mayastor/v1/nexus.proto

import type { ChildAction as _mayastor_v1_ChildAction, ChildAction__Output as _mayastor_v1_ChildAction__Output } from '../../mayastor/v1/ChildAction.js';

export interface ChildOperationRequest {
  'nexus_uuid'?: (string);
  'uri'?: (string);
  'action'?: (_mayastor_v1_ChildAction);
}

export interface ChildOperationRequest__Output {
  'nexus_uuid': (string);
  'uri': (string);
  'action': (_mayastor_v1_ChildAction__Output);
}
