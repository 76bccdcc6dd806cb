// Original file: mayastor/v1/nexus.proto

import type { ChildState as _mayastor_v1_ChildState, ChildState__Output as _mayastor_v1_ChildState__Output } from '../../mayastor/v1/ChildState.js';
import type { ChildStateReason as _mayastor_v1_ChildStateReason, ChildStateReason__Output as _mayastor_v1_ChildStateReason__Output } from '../../mayastor/v1/ChildStateReason.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface Child {
  'uri'?: (string);
  'state'?: (_mayastor_v1_ChildState);
  /**
   * Percent, or -1 when no rebuild is running.
   */
  'rebuild_progress'?: (number);
  'state_reason'?: (_mayastor_v1_ChildStateReason);
  'fault_timestamp'?: (_google_protobuf_Timestamp | null);
  'device_name'?: (string);
  /**
   * A dirty-segment log covers what the child missed, so onlining it needs only a partial rebuild.
   */
  'has_io_log'?: (boolean);
  'uuid'?: (string);
  /**
   * Segments that may differ from the healthy children (extension; 0 when in sync).
   */
  'dirty_segments'?: (number | string | Long);
  '_fault_timestamp'?: "fault_timestamp";
}

export interface Child__Output {
  'uri': (string);
  'state': (_mayastor_v1_ChildState__Output);
  /**
   * Percent, or -1 when no rebuild is running.
   */
  'rebuild_progress': (number);
  'state_reason': (_mayastor_v1_ChildStateReason__Output);
  'fault_timestamp'?: (_google_protobuf_Timestamp__Output | null);
  'device_name': (string);
  /**
   * A dirty-segment log covers what the child missed, so onlining it needs only a partial rebuild.
   */
  'has_io_log': (boolean);
  'uuid': (string);
  /**
   * Segments that may differ from the healthy children (extension; 0 when in sync).
   */
  'dirty_segments': (number);
  '_fault_timestamp'?: "fault_timestamp";
}
