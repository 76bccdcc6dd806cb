// Original file: mayastor/v1/host.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { GetMayastorResourceUsageResponse as _mayastor_v1_GetMayastorResourceUsageResponse, GetMayastorResourceUsageResponse__Output as _mayastor_v1_GetMayastorResourceUsageResponse__Output } from '../../mayastor/v1/GetMayastorResourceUsageResponse.js';
import type { ListBlockDevicesRequest as _mayastor_v1_ListBlockDevicesRequest, ListBlockDevicesRequest__Output as _mayastor_v1_ListBlockDevicesRequest__Output } from '../../mayastor/v1/ListBlockDevicesRequest.js';
import type { ListBlockDevicesResponse as _mayastor_v1_ListBlockDevicesResponse, ListBlockDevicesResponse__Output as _mayastor_v1_ListBlockDevicesResponse__Output } from '../../mayastor/v1/ListBlockDevicesResponse.js';
import type { ListNvmeControllersResponse as _mayastor_v1_ListNvmeControllersResponse, ListNvmeControllersResponse__Output as _mayastor_v1_ListNvmeControllersResponse__Output } from '../../mayastor/v1/ListNvmeControllersResponse.js';
import type { MayastorInfoResponse as _mayastor_v1_MayastorInfoResponse, MayastorInfoResponse__Output as _mayastor_v1_MayastorInfoResponse__Output } from '../../mayastor/v1/MayastorInfoResponse.js';

export interface HostRpcClient extends grpc.Client {
  GetMayastorInfo(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorInfo(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorInfo(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorInfo(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  getMayastorInfo(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  getMayastorInfo(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  getMayastorInfo(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  getMayastorInfo(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_MayastorInfoResponse__Output>): grpc.ClientUnaryCall;
  
  GetMayastorResourceUsage(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorResourceUsage(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorResourceUsage(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  GetMayastorResourceUsage(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  getMayastorResourceUsage(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  getMayastorResourceUsage(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  getMayastorResourceUsage(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  getMayastorResourceUsage(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_GetMayastorResourceUsageResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Block devices of the node (from /sys and lsblk). `all` lists devices in use too.
   */
  ListBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  ListBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  ListBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  ListBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Block devices of the node (from /sys and lsblk). `all` lists devices in use too.
   */
  listBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  listBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  listBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  listBlockDevices(argument: _mayastor_v1_ListBlockDevicesRequest, callback: grpc.requestCallback<_mayastor_v1_ListBlockDevicesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * NVMe-oF controllers this io-engine holds as an initiator (remote nexus children).
   */
  ListNvmeControllers(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  ListNvmeControllers(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  ListNvmeControllers(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  ListNvmeControllers(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  /**
   * NVMe-oF controllers this io-engine holds as an initiator (remote nexus children).
   */
  listNvmeControllers(argument: _google_protobuf_Empty, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  listNvmeControllers(argument: _google_protobuf_Empty, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  listNvmeControllers(argument: _google_protobuf_Empty, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  listNvmeControllers(argument: _google_protobuf_Empty, callback: grpc.requestCallback<_mayastor_v1_ListNvmeControllersResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface HostRpcHandlers extends grpc.UntypedServiceImplementation {
  GetMayastorInfo: grpc.handleUnaryCall<_google_protobuf_Empty__Output, _mayastor_v1_MayastorInfoResponse>;
  
  GetMayastorResourceUsage: grpc.handleUnaryCall<_google_protobuf_Empty__Output, _mayastor_v1_GetMayastorResourceUsageResponse>;
  
  /**
   * Block devices of the node (from /sys and lsblk). `all` lists devices in use too.
   */
  ListBlockDevices: grpc.handleUnaryCall<_mayastor_v1_ListBlockDevicesRequest__Output, _mayastor_v1_ListBlockDevicesResponse>;
  
  /**
   * NVMe-oF controllers this io-engine holds as an initiator (remote nexus children).
   */
  ListNvmeControllers: grpc.handleUnaryCall<_google_protobuf_Empty__Output, _mayastor_v1_ListNvmeControllersResponse>;
  
}

export interface HostRpcDefinition extends grpc.ServiceDefinition {
  GetMayastorInfo: MethodDefinition<_google_protobuf_Empty, _mayastor_v1_MayastorInfoResponse, _google_protobuf_Empty__Output, _mayastor_v1_MayastorInfoResponse__Output>
  GetMayastorResourceUsage: MethodDefinition<_google_protobuf_Empty, _mayastor_v1_GetMayastorResourceUsageResponse, _google_protobuf_Empty__Output, _mayastor_v1_GetMayastorResourceUsageResponse__Output>
  ListBlockDevices: MethodDefinition<_mayastor_v1_ListBlockDevicesRequest, _mayastor_v1_ListBlockDevicesResponse, _mayastor_v1_ListBlockDevicesRequest__Output, _mayastor_v1_ListBlockDevicesResponse__Output>
  ListNvmeControllers: MethodDefinition<_google_protobuf_Empty, _mayastor_v1_ListNvmeControllersResponse, _google_protobuf_Empty__Output, _mayastor_v1_ListNvmeControllersResponse__Output>
}
