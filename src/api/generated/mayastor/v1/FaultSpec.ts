// Original file: mayastor/v1/test.proto

import type { FaultOp as _mayastor_v1_FaultOp, FaultOp__Output as _mayastor_v1_FaultOp__Output } from '../../mayastor/v1/FaultOp.js';
import type { FaultAction as _mayastor_v1_FaultAction, FaultAction__Output as _mayastor_v1_FaultAction__Output } from '../../mayastor/v1/FaultAction.js';
import type { Long } from '@grpc/proto-loader';

export interface FaultSpec {
  'ops'?: (_mayastor_v1_FaultOp)[];
  'action'?: (_mayastor_v1_FaultAction);
  'delay_ms'?: (number);
  /**
   * Byte range; absent means the whole device.
   */
  'offset'?: (number | string | Long);
  'length'?: (number | string | Long);
  /**
   * Let this many matching I/Os through first.
   */
  'skip'?: (number);
  /**
   * Hit this many times; absent means until removed.
   */
  'count'?: (number);
  '_offset'?: "offset";
  '_length'?: "length";
  '_count'?: "count";
}

export interface FaultSpec__Output {
  'ops': (_mayastor_v1_FaultOp__Output)[];
  'action': (_mayastor_v1_FaultAction__Output);
  'delay_ms': (number);
  /**
   * Byte range; absent means the whole device.
   */
  'offset'?: (number);
  'length'?: (number);
  /**
   * Let this many matching I/Os through first.
   */
  'skip': (number);
  /**
   * Hit this many times; absent means until removed.
   */
  'count'?: (number);
  '_offset'?: "offset";
  '_length'?: "length";
  '_count'?: "count";
}
