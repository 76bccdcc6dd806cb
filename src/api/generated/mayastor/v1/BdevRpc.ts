// Original file: mayastor/v1/bdev.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BdevShareRequest as _mayastor_v1_BdevShareRequest, BdevShareRequest__Output as _mayastor_v1_BdevShareRequest__Output } from '../../mayastor/v1/BdevShareRequest.js';
import type { BdevShareResponse as _mayastor_v1_BdevShareResponse, BdevShareResponse__Output as _mayastor_v1_BdevShareResponse__Output } from '../../mayastor/v1/BdevShareResponse.js';
import type { BdevUnshareRequest as _mayastor_v1_BdevUnshareRequest, BdevUnshareRequest__Output as _mayastor_v1_BdevUnshareRequest__Output } from '../../mayastor/v1/BdevUnshareRequest.js';
import type { CreateBdevRequest as _mayastor_v1_CreateBdevRequest, CreateBdevRequest__Output as _mayastor_v1_CreateBdevRequest__Output } from '../../mayastor/v1/CreateBdevRequest.js';
import type { CreateBdevResponse as _mayastor_v1_CreateBdevResponse, CreateBdevResponse__Output as _mayastor_v1_CreateBdevResponse__Output } from '../../mayastor/v1/CreateBdevResponse.js';
import type { DestroyBdevRequest as _mayastor_v1_DestroyBdevRequest, DestroyBdevRequest__Output as _mayastor_v1_DestroyBdevRequest__Output } from '../../mayastor/v1/DestroyBdevRequest.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { ListBdevOptions as _mayastor_v1_ListBdevOptions, ListBdevOptions__Output as _mayastor_v1_ListBdevOptions__Output } from '../../mayastor/v1/ListBdevOptions.js';
import type { ListBdevResponse as _mayastor_v1_ListBdevResponse, ListBdevResponse__Output as _mayastor_v1_ListBdevResponse__Output } from '../../mayastor/v1/ListBdevResponse.js';

export interface BdevRpcClient extends grpc.Client {
  /**
   * Open a block device from a URI (malloc:///m0?size_mb=64, aio:///path, uring:///dev/sdb,
   * /dev/sdb, nvmf://...). Creating one that exists from the same URI succeeds.
   */
  Create(argument: _mayastor_v1_CreateBdevRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _mayastor_v1_CreateBdevRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _mayastor_v1_CreateBdevRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _mayastor_v1_CreateBdevRequest, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Open a block device from a URI (malloc:///m0?size_mb=64, aio:///path, uring:///dev/sdb,
   * /dev/sdb, nvmf://...). Creating one that exists from the same URI succeeds.
   */
  create(argument: _mayastor_v1_CreateBdevRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _mayastor_v1_CreateBdevRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _mayastor_v1_CreateBdevRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _mayastor_v1_CreateBdevRequest, callback: grpc.requestCallback<_mayastor_v1_CreateBdevResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Close and forget a device created with Create. Destroying one that does not exist succeeds;
   * a device in use (pool disk, shared) is FAILED_PRECONDITION.
   */
  Destroy(argument: _mayastor_v1_DestroyBdevRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Destroy(argument: _mayastor_v1_DestroyBdevRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Destroy(argument: _mayastor_v1_DestroyBdevRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Destroy(argument: _mayastor_v1_DestroyBdevRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Close and forget a device created with Create. Destroying one that does not exist succeeds;
   * a device in use (pool disk, shared) is FAILED_PRECONDITION.
   */
  destroy(argument: _mayastor_v1_DestroyBdevRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroy(argument: _mayastor_v1_DestroyBdevRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroy(argument: _mayastor_v1_DestroyBdevRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroy(argument: _mayastor_v1_DestroyBdevRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  ListBdevs(argument: _mayastor_v1_ListBdevOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  ListBdevs(argument: _mayastor_v1_ListBdevOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  ListBdevs(argument: _mayastor_v1_ListBdevOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  ListBdevs(argument: _mayastor_v1_ListBdevOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  listBdevs(argument: _mayastor_v1_ListBdevOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  listBdevs(argument: _mayastor_v1_ListBdevOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  listBdevs(argument: _mayastor_v1_ListBdevOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  listBdevs(argument: _mayastor_v1_ListBdevOptions, callback: grpc.requestCallback<_mayastor_v1_ListBdevResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Share a device created with Create over NVMe-oF (replica port), at
   * nqn.2019-05.io.openebs:<name>. Sharing again succeeds.
   */
  Share(argument: _mayastor_v1_BdevShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  Share(argument: _mayastor_v1_BdevShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  Share(argument: _mayastor_v1_BdevShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  Share(argument: _mayastor_v1_BdevShareRequest, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Share a device created with Create over NVMe-oF (replica port), at
   * nqn.2019-05.io.openebs:<name>. Sharing again succeeds.
   */
  share(argument: _mayastor_v1_BdevShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  share(argument: _mayastor_v1_BdevShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  share(argument: _mayastor_v1_BdevShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  share(argument: _mayastor_v1_BdevShareRequest, callback: grpc.requestCallback<_mayastor_v1_BdevShareResponse__Output>): grpc.ClientUnaryCall;
  
  Unshare(argument: _mayastor_v1_BdevUnshareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Unshare(argument: _mayastor_v1_BdevUnshareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Unshare(argument: _mayastor_v1_BdevUnshareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Unshare(argument: _mayastor_v1_BdevUnshareRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  unshare(argument: _mayastor_v1_BdevUnshareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  unshare(argument: _mayastor_v1_BdevUnshareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  unshare(argument: _mayastor_v1_BdevUnshareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  unshare(argument: _mayastor_v1_BdevUnshareRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface BdevRpcHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Open a block device from a URI (malloc:///m0?size_mb=64, aio:///path, uring:///dev/sdb,
   * /dev/sdb, nvmf://...). Creating one that exists from the same URI succeeds.
   */
  Create: grpc.handleUnaryCall<_mayastor_v1_CreateBdevRequest__Output, _mayastor_v1_CreateBdevResponse>;
  
  /**
   * Close and forget a device created with Create. Destroying one that does not exist succeeds;
   * a device in use (pool disk, shared) is FAILED_PRECONDITION.
   */
  Destroy: grpc.handleUnaryCall<_mayastor_v1_DestroyBdevRequest__Output, _google_protobuf_Empty>;
  
  ListBdevs: grpc.handleUnaryCall<_mayastor_v1_ListBdevOptions__Output, _mayastor_v1_ListBdevResponse>;
  
  /**
   * Share a device created with Create over NVMe-oF (replica port), at
   * nqn.2019-05.io.openebs:<name>. Sharing again succeeds.
   */
  Share: grpc.handleUnaryCall<_mayastor_v1_BdevShareRequest__Output, _mayastor_v1_BdevShareResponse>;
  
  Unshare: grpc.handleUnaryCall<_mayastor_v1_BdevUnshareRequest__Output, _google_protobuf_Empty>;
  
}

export interface BdevRpcDefinition extends grpc.ServiceDefinition {
  Create: MethodDefinition<_mayastor_v1_CreateBdevRequest, _mayastor_v1_CreateBdevResponse, _mayastor_v1_CreateBdevRequest__Output, _mayastor_v1_CreateBdevResponse__Output>
  Destroy: MethodDefinition<_mayastor_v1_DestroyBdevRequest, _google_protobuf_Empty, _mayastor_v1_DestroyBdevRequest__Output, _google_protobuf_Empty__Output>
  ListBdevs: MethodDefinition<_mayastor_v1_ListBdevOptions, _mayastor_v1_ListBdevResponse, _mayastor_v1_ListBdevOptions__Output, _mayastor_v1_ListBdevResponse__Output>
  Share: MethodDefinition<_mayastor_v1_BdevShareRequest, _mayastor_v1_BdevShareResponse, _mayastor_v1_BdevShareRequest__Output, _mayastor_v1_BdevShareResponse__Output>
  Unshare: MethodDefinition<_mayastor_v1_BdevUnshareRequest, _google_protobuf_Empty, _mayastor_v1_BdevUnshareRequest__Output, _google_protobuf_Empty__Output>
}
