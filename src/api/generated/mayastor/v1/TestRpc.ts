// Original file: mayastor/v1/test.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddFaultInjectionRequest as _mayastor_v1_AddFaultInjectionRequest, AddFaultInjectionRequest__Output as _mayastor_v1_AddFaultInjectionRequest__Output } from '../../mayastor/v1/AddFaultInjectionRequest.js';
import type { AddFaultInjectionResponse as _mayastor_v1_AddFaultInjectionResponse, AddFaultInjectionResponse__Output as _mayastor_v1_AddFaultInjectionResponse__Output } from '../../mayastor/v1/AddFaultInjectionResponse.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { ListFaultInjectionRequest as _mayastor_v1_ListFaultInjectionRequest, ListFaultInjectionRequest__Output as _mayastor_v1_ListFaultInjectionRequest__Output } from '../../mayastor/v1/ListFaultInjectionRequest.js';
import type { ListFaultInjectionResponse as _mayastor_v1_ListFaultInjectionResponse, ListFaultInjectionResponse__Output as _mayastor_v1_ListFaultInjectionResponse__Output } from '../../mayastor/v1/ListFaultInjectionResponse.js';
import type { RemoveFaultInjectionRequest as _mayastor_v1_RemoveFaultInjectionRequest, RemoveFaultInjectionRequest__Output as _mayastor_v1_RemoveFaultInjectionRequest__Output } from '../../mayastor/v1/RemoveFaultInjectionRequest.js';
import type { TestFeatures as _mayastor_v1_TestFeatures, TestFeatures__Output as _mayastor_v1_TestFeatures__Output } from '../../mayastor/v1/TestFeatures.js';

export interface TestRpcClient extends grpc.Client {
  AddFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  AddFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  AddFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  AddFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  addFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  addFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  addFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  addFaultInjection(argument: _mayastor_v1_AddFaultInjectionRequest, callback: grpc.requestCallback<_mayastor_v1_AddFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  
  GetFeatures(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  GetFeatures(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  GetFeatures(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  GetFeatures(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  getFeatures(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  getFeatures(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  getFeatures(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  getFeatures(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_TestFeatures__Output>): grpc.ClientUnaryCall;
  
  ListFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  ListFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  ListFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  ListFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  listFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  listFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  listFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  listFaultInjection(argument: _mayastor_v1_ListFaultInjectionRequest, callback: grpc.requestCallback<_mayastor_v1_ListFaultInjectionResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RemoveFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RemoveFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RemoveFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  removeFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  removeFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  removeFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  removeFaultInjection(argument: _mayastor_v1_RemoveFaultInjectionRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface TestRpcHandlers extends grpc.UntypedServiceImplementation {
  AddFaultInjection: grpc.handleUnaryCall<_mayastor_v1_AddFaultInjectionRequest__Output, _mayastor_v1_AddFaultInjectionResponse>;
  
  GetFeatures: grpc.handleUnaryCall<_google_protobuf_Empty__Output, _mayastor_v1_TestFeatures>;
  
  ListFaultInjection: grpc.handleUnaryCall<_mayastor_v1_ListFaultInjectionRequest__Output, _mayastor_v1_ListFaultInjectionResponse>;
  
  RemoveFaultInjection: grpc.handleUnaryCall<_mayastor_v1_RemoveFaultInjectionRequest__Output, _google_protobuf_Empty>;
  
}

export interface TestRpcDefinition extends grpc.ServiceDefinition {
  AddFaultInjection: MethodDefinition<_mayastor_v1_AddFaultInjectionRequest, _mayastor_v1_AddFaultInjectionResponse, _mayastor_v1_AddFaultInjectionRequest__Output, _mayastor_v1_AddFaultInjectionResponse__Output>
  GetFeatures: MethodDefinition<_google_protobuf_Empty, _mayastor_v1_TestFeatures, _google_protobuf_Empty__Output, _mayastor_v1_TestFeatures__Output>
  ListFaultInjection: MethodDefinition<_mayastor_v1_ListFaultInjectionRequest, _mayastor_v1_ListFaultInjectionResponse, _mayastor_v1_ListFaultInjectionRequest__Output, _mayastor_v1_ListFaultInjectionResponse__Output>
  RemoveFaultInjection: MethodDefinition<_mayastor_v1_RemoveFaultInjectionRequest, _google_protobuf_Empty, _mayastor_v1_RemoveFaultInjectionRequest__Output, _google_protobuf_Empty__Output>
}
