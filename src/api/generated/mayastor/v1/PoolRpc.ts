// Original file: mayastor/v1/pool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreatePoolRequest as _mayastor_v1_CreatePoolRequest, CreatePoolRequest__Output as _mayastor_v1_CreatePoolRequest__Output } from '../../mayastor/v1/CreatePoolRequest.js';
import type { DestroyPoolRequest as _mayastor_v1_DestroyPoolRequest, DestroyPoolRequest__Output as _mayastor_v1_DestroyPoolRequest__Output } from '../../mayastor/v1/DestroyPoolRequest.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { ExportPoolRequest as _mayastor_v1_ExportPoolRequest, ExportPoolRequest__Output as _mayastor_v1_ExportPoolRequest__Output } from '../../mayastor/v1/ExportPoolRequest.js';
import type { ImportPoolRequest as _mayastor_v1_ImportPoolRequest, ImportPoolRequest__Output as _mayastor_v1_ImportPoolRequest__Output } from '../../mayastor/v1/ImportPoolRequest.js';
import type { ListPoolOptions as _mayastor_v1_ListPoolOptions, ListPoolOptions__Output as _mayastor_v1_ListPoolOptions__Output } from '../../mayastor/v1/ListPoolOptions.js';
import type { ListPoolsResponse as _mayastor_v1_ListPoolsResponse, ListPoolsResponse__Output as _mayastor_v1_ListPoolsResponse__Output } from '../../mayastor/v1/ListPoolsResponse.js';
import type { Pool as _mayastor_v1_Pool, Pool__Output as _mayastor_v1_Pool__Output } from '../../mayastor/v1/Pool.js';

export interface PoolRpcClient extends grpc.Client {
  /**
   * Create a pool on one disk, or import it if the disk already holds a pool of this name (and
   * uuid, when given). Creating an existing pool with the same spec succeeds and returns it.
   * A disk holding anything else fails with FAILED_PRECONDITION (code POOL_DEVICE_NOT_EMPTY)
   * unless `overwrite` is set.
   */
  CreatePool(argument: _mayastor_v1_CreatePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  CreatePool(argument: _mayastor_v1_CreatePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  CreatePool(argument: _mayastor_v1_CreatePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  CreatePool(argument: _mayastor_v1_CreatePoolRequest, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  /**
   * Create a pool on one disk, or import it if the disk already holds a pool of this name (and
   * uuid, when given). Creating an existing pool with the same spec succeeds and returns it.
   * A disk holding anything else fails with FAILED_PRECONDITION (code POOL_DEVICE_NOT_EMPTY)
   * unless `overwrite` is set.
   */
  createPool(argument: _mayastor_v1_CreatePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  createPool(argument: _mayastor_v1_CreatePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  createPool(argument: _mayastor_v1_CreatePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  createPool(argument: _mayastor_v1_CreatePoolRequest, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  
  /**
   * Destroy a pool and its replicas' metadata. Destroying a pool that does not exist succeeds.
   */
  DestroyPool(argument: _mayastor_v1_DestroyPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyPool(argument: _mayastor_v1_DestroyPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyPool(argument: _mayastor_v1_DestroyPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyPool(argument: _mayastor_v1_DestroyPoolRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Destroy a pool and its replicas' metadata. Destroying a pool that does not exist succeeds.
   */
  destroyPool(argument: _mayastor_v1_DestroyPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyPool(argument: _mayastor_v1_DestroyPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyPool(argument: _mayastor_v1_DestroyPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyPool(argument: _mayastor_v1_DestroyPoolRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Write a final checkpoint and release the disk, keeping the pool on it for a later import.
   * Exporting a pool this io-engine does not hold succeeds.
   */
  ExportPool(argument: _mayastor_v1_ExportPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ExportPool(argument: _mayastor_v1_ExportPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ExportPool(argument: _mayastor_v1_ExportPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ExportPool(argument: _mayastor_v1_ExportPoolRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Write a final checkpoint and release the disk, keeping the pool on it for a later import.
   * Exporting a pool this io-engine does not hold succeeds.
   */
  exportPool(argument: _mayastor_v1_ExportPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  exportPool(argument: _mayastor_v1_ExportPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  exportPool(argument: _mayastor_v1_ExportPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  exportPool(argument: _mayastor_v1_ExportPoolRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Import the pool on a disk. Importing a pool that is already imported from the same disk
   * succeeds and returns it.
   */
  ImportPool(argument: _mayastor_v1_ImportPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  ImportPool(argument: _mayastor_v1_ImportPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  ImportPool(argument: _mayastor_v1_ImportPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  ImportPool(argument: _mayastor_v1_ImportPoolRequest, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  /**
   * Import the pool on a disk. Importing a pool that is already imported from the same disk
   * succeeds and returns it.
   */
  importPool(argument: _mayastor_v1_ImportPoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  importPool(argument: _mayastor_v1_ImportPoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  importPool(argument: _mayastor_v1_ImportPoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  importPool(argument: _mayastor_v1_ImportPoolRequest, callback: grpc.requestCallback<_mayastor_v1_Pool__Output>): grpc.ClientUnaryCall;
  
  ListPools(argument: _mayastor_v1_ListPoolOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _mayastor_v1_ListPoolOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _mayastor_v1_ListPoolOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _mayastor_v1_ListPoolOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _mayastor_v1_ListPoolOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _mayastor_v1_ListPoolOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _mayastor_v1_ListPoolOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _mayastor_v1_ListPoolOptions, callback: grpc.requestCallback<_mayastor_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PoolRpcHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Create a pool on one disk, or import it if the disk already holds a pool of this name (and
   * uuid, when given). Creating an existing pool with the same spec succeeds and returns it.
   * A disk holding anything else fails with FAILED_PRECONDITION (code POOL_DEVICE_NOT_EMPTY)
   * unless `overwrite` is set.
   */
  CreatePool: grpc.handleUnaryCall<_mayastor_v1_CreatePoolRequest__Output, _mayastor_v1_Pool>;
  
  /**
   * Destroy a pool and its replicas' metadata. Destroying a pool that does not exist succeeds.
   */
  DestroyPool: grpc.handleUnaryCall<_mayastor_v1_DestroyPoolRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Write a final checkpoint and release the disk, keeping the pool on it for a later import.
   * Exporting a pool this io-engine does not hold succeeds.
   */
  ExportPool: grpc.handleUnaryCall<_mayastor_v1_ExportPoolRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Import the pool on a disk. Importing a pool that is already imported from the same disk
   * succeeds and returns it.
   */
  ImportPool: grpc.handleUnaryCall<_mayastor_v1_ImportPoolRequest__Output, _mayastor_v1_Pool>;
  
  ListPools: grpc.handleUnaryCall<_mayastor_v1_ListPoolOptions__Output, _mayastor_v1_ListPoolsResponse>;
  
}

export interface PoolRpcDefinition extends grpc.ServiceDefinition {
  CreatePool: MethodDefinition<_mayastor_v1_CreatePoolRequest, _mayastor_v1_Pool, _mayastor_v1_CreatePoolRequest__Output, _mayastor_v1_Pool__Output>
  DestroyPool: MethodDefinition<_mayastor_v1_DestroyPoolRequest, _google_protobuf_Empty, _mayastor_v1_DestroyPoolRequest__Output, _google_protobuf_Empty__Output>
  ExportPool: MethodDefinition<_mayastor_v1_ExportPoolRequest, _google_protobuf_Empty, _mayastor_v1_ExportPoolRequest__Output, _google_protobuf_Empty__Output>
  ImportPool: MethodDefinition<_mayastor_v1_ImportPoolRequest, _mayastor_v1_Pool, _mayastor_v1_ImportPoolRequest__Output, _mayastor_v1_Pool__Output>
  ListPools: MethodDefinition<_mayastor_v1_ListPoolOptions, _mayastor_v1_ListPoolsResponse, _mayastor_v1_ListPoolOptions__Output, _mayastor_v1_ListPoolsResponse__Output>
}
