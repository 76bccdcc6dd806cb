// Original file: mayastor/v1/stats.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { ListStatsOption as _mayastor_v1_ListStatsOption, ListStatsOption__Output as _mayastor_v1_ListStatsOption__Output } from '../../mayastor/v1/ListStatsOption.js';
import type { NexusIoStatsResponse as _mayastor_v1_NexusIoStatsResponse, NexusIoStatsResponse__Output as _mayastor_v1_NexusIoStatsResponse__Output } from '../../mayastor/v1/NexusIoStatsResponse.js';
import type { PoolIoStatsResponse as _mayastor_v1_PoolIoStatsResponse, PoolIoStatsResponse__Output as _mayastor_v1_PoolIoStatsResponse__Output } from '../../mayastor/v1/PoolIoStatsResponse.js';
import type { ReplicaIoStatsResponse as _mayastor_v1_ReplicaIoStatsResponse, ReplicaIoStatsResponse__Output as _mayastor_v1_ReplicaIoStatsResponse__Output } from '../../mayastor/v1/ReplicaIoStatsResponse.js';

export interface StatsRpcClient extends grpc.Client {
  GetNexusIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetNexusIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetNexusIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetNexusIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getNexusIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getNexusIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getNexusIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getNexusIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_NexusIoStatsResponse__Output>): grpc.ClientUnaryCall;
  
  GetPoolIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetPoolIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetPoolIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetPoolIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getPoolIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getPoolIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getPoolIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getPoolIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_PoolIoStatsResponse__Output>): grpc.ClientUnaryCall;
  
  GetReplicaIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetReplicaIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetReplicaIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  GetReplicaIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getReplicaIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getReplicaIoStats(argument: _mayastor_v1_ListStatsOption, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getReplicaIoStats(argument: _mayastor_v1_ListStatsOption, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  getReplicaIoStats(argument: _mayastor_v1_ListStatsOption, callback: grpc.requestCallback<_mayastor_v1_ReplicaIoStatsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Zero every counter (Prometheus sees a counter reset).
   */
  ResetIoStats(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ResetIoStats(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ResetIoStats(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ResetIoStats(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Zero every counter (Prometheus sees a counter reset).
   */
  resetIoStats(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  resetIoStats(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  resetIoStats(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  resetIoStats(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface StatsRpcHandlers extends grpc.UntypedServiceImplementation {
  GetNexusIoStats: grpc.handleUnaryCall<_mayastor_v1_ListStatsOption__Output, _mayastor_v1_NexusIoStatsResponse>;
  
  GetPoolIoStats: grpc.handleUnaryCall<_mayastor_v1_ListStatsOption__Output, _mayastor_v1_PoolIoStatsResponse>;
  
  GetReplicaIoStats: grpc.handleUnaryCall<_mayastor_v1_ListStatsOption__Output, _mayastor_v1_ReplicaIoStatsResponse>;
  
  /**
   * Zero every counter (Prometheus sees a counter reset).
   */
  ResetIoStats: grpc.handleUnaryCall<_google_protobuf_Empty__Output, _google_protobuf_Empty>;
  
}

export interface StatsRpcDefinition extends grpc.ServiceDefinition {
  GetNexusIoStats: MethodDefinition<_mayastor_v1_ListStatsOption, _mayastor_v1_NexusIoStatsResponse, _mayastor_v1_ListStatsOption__Output, _mayastor_v1_NexusIoStatsResponse__Output>
  GetPoolIoStats: MethodDefinition<_mayastor_v1_ListStatsOption, _mayastor_v1_PoolIoStatsResponse, _mayastor_v1_ListStatsOption__Output, _mayastor_v1_PoolIoStatsResponse__Output>
  GetReplicaIoStats: MethodDefinition<_mayastor_v1_ListStatsOption, _mayastor_v1_ReplicaIoStatsResponse, _mayastor_v1_ListStatsOption__Output, _mayastor_v1_ReplicaIoStatsResponse__Output>
  ResetIoStats: MethodDefinition<_google_protobuf_Empty, _google_protobuf_Empty, _google_protobuf_Empty__Output, _google_protobuf_Empty__Output>
}
