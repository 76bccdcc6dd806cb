// Original file: mayastor/v1/nexus.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddChildNexusRequest as _mayastor_v1_AddChildNexusRequest, AddChildNexusRequest__Output as _mayastor_v1_AddChildNexusRequest__Output } from '../../mayastor/v1/AddChildNexusRequest.js';
import type { AddChildNexusResponse as _mayastor_v1_AddChildNexusResponse, AddChildNexusResponse__Output as _mayastor_v1_AddChildNexusResponse__Output } from '../../mayastor/v1/AddChildNexusResponse.js';
import type { ChildOperationRequest as _mayastor_v1_ChildOperationRequest, ChildOperationRequest__Output as _mayastor_v1_ChildOperationRequest__Output } from '../../mayastor/v1/ChildOperationRequest.js';
import type { ChildOperationResponse as _mayastor_v1_ChildOperationResponse, ChildOperationResponse__Output as _mayastor_v1_ChildOperationResponse__Output } from '../../mayastor/v1/ChildOperationResponse.js';
import type { CreateNexusRequest as _mayastor_v1_CreateNexusRequest, CreateNexusRequest__Output as _mayastor_v1_CreateNexusRequest__Output } from '../../mayastor/v1/CreateNexusRequest.js';
import type { CreateNexusResponse as _mayastor_v1_CreateNexusResponse, CreateNexusResponse__Output as _mayastor_v1_CreateNexusResponse__Output } from '../../mayastor/v1/CreateNexusResponse.js';
import type { DestroyNexusRequest as _mayastor_v1_DestroyNexusRequest, DestroyNexusRequest__Output as _mayastor_v1_DestroyNexusRequest__Output } from '../../mayastor/v1/DestroyNexusRequest.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { FaultNexusChildRequest as _mayastor_v1_FaultNexusChildRequest, FaultNexusChildRequest__Output as _mayastor_v1_FaultNexusChildRequest__Output } from '../../mayastor/v1/FaultNexusChildRequest.js';
import type { FaultNexusChildResponse as _mayastor_v1_FaultNexusChildResponse, FaultNexusChildResponse__Output as _mayastor_v1_FaultNexusChildResponse__Output } from '../../mayastor/v1/FaultNexusChildResponse.js';
import type { ListNexusOptions as _mayastor_v1_ListNexusOptions, ListNexusOptions__Output as _mayastor_v1_ListNexusOptions__Output } from '../../mayastor/v1/ListNexusOptions.js';
import type { ListNexusResponse as _mayastor_v1_ListNexusResponse, ListNexusResponse__Output as _mayastor_v1_ListNexusResponse__Output } from '../../mayastor/v1/ListNexusResponse.js';
import type { ListRebuildHistoryRequest as _mayastor_v1_ListRebuildHistoryRequest, ListRebuildHistoryRequest__Output as _mayastor_v1_ListRebuildHistoryRequest__Output } from '../../mayastor/v1/ListRebuildHistoryRequest.js';
import type { ListRebuildHistoryResponse as _mayastor_v1_ListRebuildHistoryResponse, ListRebuildHistoryResponse__Output as _mayastor_v1_ListRebuildHistoryResponse__Output } from '../../mayastor/v1/ListRebuildHistoryResponse.js';
import type { PauseRebuildRequest as _mayastor_v1_PauseRebuildRequest, PauseRebuildRequest__Output as _mayastor_v1_PauseRebuildRequest__Output } from '../../mayastor/v1/PauseRebuildRequest.js';
import type { PauseRebuildResponse as _mayastor_v1_PauseRebuildResponse, PauseRebuildResponse__Output as _mayastor_v1_PauseRebuildResponse__Output } from '../../mayastor/v1/PauseRebuildResponse.js';
import type { PublishNexusRequest as _mayastor_v1_PublishNexusRequest, PublishNexusRequest__Output as _mayastor_v1_PublishNexusRequest__Output } from '../../mayastor/v1/PublishNexusRequest.js';
import type { PublishNexusResponse as _mayastor_v1_PublishNexusResponse, PublishNexusResponse__Output as _mayastor_v1_PublishNexusResponse__Output } from '../../mayastor/v1/PublishNexusResponse.js';
import type { RebuildHistoryRequest as _mayastor_v1_RebuildHistoryRequest, RebuildHistoryRequest__Output as _mayastor_v1_RebuildHistoryRequest__Output } from '../../mayastor/v1/RebuildHistoryRequest.js';
import type { RebuildHistoryResponse as _mayastor_v1_RebuildHistoryResponse, RebuildHistoryResponse__Output as _mayastor_v1_RebuildHistoryResponse__Output } from '../../mayastor/v1/RebuildHistoryResponse.js';
import type { RebuildStateRequest as _mayastor_v1_RebuildStateRequest, RebuildStateRequest__Output as _mayastor_v1_RebuildStateRequest__Output } from '../../mayastor/v1/RebuildStateRequest.js';
import type { RebuildStateResponse as _mayastor_v1_RebuildStateResponse, RebuildStateResponse__Output as _mayastor_v1_RebuildStateResponse__Output } from '../../mayastor/v1/RebuildStateResponse.js';
import type { RebuildStatsRequest as _mayastor_v1_RebuildStatsRequest, RebuildStatsRequest__Output as _mayastor_v1_RebuildStatsRequest__Output } from '../../mayastor/v1/RebuildStatsRequest.js';
import type { RebuildStatsResponse as _mayastor_v1_RebuildStatsResponse, RebuildStatsResponse__Output as _mayastor_v1_RebuildStatsResponse__Output } from '../../mayastor/v1/RebuildStatsResponse.js';
import type { RemoveChildNexusRequest as _mayastor_v1_RemoveChildNexusRequest, RemoveChildNexusRequest__Output as _mayastor_v1_RemoveChildNexusRequest__Output } from '../../mayastor/v1/RemoveChildNexusRequest.js';
import type { RemoveChildNexusResponse as _mayastor_v1_RemoveChildNexusResponse, RemoveChildNexusResponse__Output as _mayastor_v1_RemoveChildNexusResponse__Output } from '../../mayastor/v1/RemoveChildNexusResponse.js';
import type { ResumeRebuildRequest as _mayastor_v1_ResumeRebuildRequest, ResumeRebuildRequest__Output as _mayastor_v1_ResumeRebuildRequest__Output } from '../../mayastor/v1/ResumeRebuildRequest.js';
import type { ResumeRebuildResponse as _mayastor_v1_ResumeRebuildResponse, ResumeRebuildResponse__Output as _mayastor_v1_ResumeRebuildResponse__Output } from '../../mayastor/v1/ResumeRebuildResponse.js';
import type { ShutdownNexusRequest as _mayastor_v1_ShutdownNexusRequest, ShutdownNexusRequest__Output as _mayastor_v1_ShutdownNexusRequest__Output } from '../../mayastor/v1/ShutdownNexusRequest.js';
import type { ShutdownNexusResponse as _mayastor_v1_ShutdownNexusResponse, ShutdownNexusResponse__Output as _mayastor_v1_ShutdownNexusResponse__Output } from '../../mayastor/v1/ShutdownNexusResponse.js';
import type { StartRebuildRequest as _mayastor_v1_StartRebuildRequest, StartRebuildRequest__Output as _mayastor_v1_StartRebuildRequest__Output } from '../../mayastor/v1/StartRebuildRequest.js';
import type { StartRebuildResponse as _mayastor_v1_StartRebuildResponse, StartRebuildResponse__Output as _mayastor_v1_StartRebuildResponse__Output } from '../../mayastor/v1/StartRebuildResponse.js';
import type { StopRebuildRequest as _mayastor_v1_StopRebuildRequest, StopRebuildRequest__Output as _mayastor_v1_StopRebuildRequest__Output } from '../../mayastor/v1/StopRebuildRequest.js';
import type { StopRebuildResponse as _mayastor_v1_StopRebuildResponse, StopRebuildResponse__Output as _mayastor_v1_StopRebuildResponse__Output } from '../../mayastor/v1/StopRebuildResponse.js';
import type { UnpublishNexusRequest as _mayastor_v1_UnpublishNexusRequest, UnpublishNexusRequest__Output as _mayastor_v1_UnpublishNexusRequest__Output } from '../../mayastor/v1/UnpublishNexusRequest.js';
import type { UnpublishNexusResponse as _mayastor_v1_UnpublishNexusResponse, UnpublishNexusResponse__Output as _mayastor_v1_UnpublishNexusResponse__Output } from '../../mayastor/v1/UnpublishNexusResponse.js';

export interface NexusRpcClient extends grpc.Client {
  /**
   * Add a child; it is rebuilt in full unless norebuild. Adding an existing child succeeds.
   */
  AddChildNexus(argument: _mayastor_v1_AddChildNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  AddChildNexus(argument: _mayastor_v1_AddChildNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  AddChildNexus(argument: _mayastor_v1_AddChildNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  AddChildNexus(argument: _mayastor_v1_AddChildNexusRequest, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Add a child; it is rebuilt in full unless norebuild. Adding an existing child succeeds.
   */
  addChildNexus(argument: _mayastor_v1_AddChildNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  addChildNexus(argument: _mayastor_v1_AddChildNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  addChildNexus(argument: _mayastor_v1_AddChildNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  addChildNexus(argument: _mayastor_v1_AddChildNexusRequest, callback: grpc.requestCallback<_mayastor_v1_AddChildNexusResponse__Output>): grpc.ClientUnaryCall;
  
  ChildOperation(argument: _mayastor_v1_ChildOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  ChildOperation(argument: _mayastor_v1_ChildOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  ChildOperation(argument: _mayastor_v1_ChildOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  ChildOperation(argument: _mayastor_v1_ChildOperationRequest, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  childOperation(argument: _mayastor_v1_ChildOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  childOperation(argument: _mayastor_v1_ChildOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  childOperation(argument: _mayastor_v1_ChildOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  childOperation(argument: _mayastor_v1_ChildOperationRequest, callback: grpc.requestCallback<_mayastor_v1_ChildOperationResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Create a nexus over the given children. Creating one that exists with the same uuid, size
   * and children succeeds and returns it; a different spec is ALREADY_EXISTS.
   */
  CreateNexus(argument: _mayastor_v1_CreateNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  CreateNexus(argument: _mayastor_v1_CreateNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  CreateNexus(argument: _mayastor_v1_CreateNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  CreateNexus(argument: _mayastor_v1_CreateNexusRequest, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Create a nexus over the given children. Creating one that exists with the same uuid, size
   * and children succeeds and returns it; a different spec is ALREADY_EXISTS.
   */
  createNexus(argument: _mayastor_v1_CreateNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  createNexus(argument: _mayastor_v1_CreateNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  createNexus(argument: _mayastor_v1_CreateNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  createNexus(argument: _mayastor_v1_CreateNexusRequest, callback: grpc.requestCallback<_mayastor_v1_CreateNexusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Unpublish, shut down cleanly (NexusInfo records clean_shutdown) and forget the nexus.
   * Destroying a nexus that does not exist succeeds.
   */
  DestroyNexus(argument: _mayastor_v1_DestroyNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyNexus(argument: _mayastor_v1_DestroyNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyNexus(argument: _mayastor_v1_DestroyNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DestroyNexus(argument: _mayastor_v1_DestroyNexusRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Unpublish, shut down cleanly (NexusInfo records clean_shutdown) and forget the nexus.
   * Destroying a nexus that does not exist succeeds.
   */
  destroyNexus(argument: _mayastor_v1_DestroyNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyNexus(argument: _mayastor_v1_DestroyNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyNexus(argument: _mayastor_v1_DestroyNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  destroyNexus(argument: _mayastor_v1_DestroyNexusRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Retire a child as if it had failed I/O (it keeps an I/O log for a partial rebuild).
   */
  FaultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  FaultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  FaultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  FaultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Retire a child as if it had failed I/O (it keeps an I/O log for a partial rebuild).
   */
  faultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  faultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  faultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  faultNexusChild(argument: _mayastor_v1_FaultNexusChildRequest, callback: grpc.requestCallback<_mayastor_v1_FaultNexusChildResponse__Output>): grpc.ClientUnaryCall;
  
  GetRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  getRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  getRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  getRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  getRebuildHistory(argument: _mayastor_v1_RebuildHistoryRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  GetRebuildState(argument: _mayastor_v1_RebuildStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildState(argument: _mayastor_v1_RebuildStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildState(argument: _mayastor_v1_RebuildStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildState(argument: _mayastor_v1_RebuildStateRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  getRebuildState(argument: _mayastor_v1_RebuildStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  getRebuildState(argument: _mayastor_v1_RebuildStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  getRebuildState(argument: _mayastor_v1_RebuildStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  getRebuildState(argument: _mayastor_v1_RebuildStateRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildStateResponse__Output>): grpc.ClientUnaryCall;
  
  GetRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  GetRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  getRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  getRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  getRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  getRebuildStats(argument: _mayastor_v1_RebuildStatsRequest, callback: grpc.requestCallback<_mayastor_v1_RebuildStatsResponse__Output>): grpc.ClientUnaryCall;
  
  ListNexus(argument: _mayastor_v1_ListNexusOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  ListNexus(argument: _mayastor_v1_ListNexusOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  ListNexus(argument: _mayastor_v1_ListNexusOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  ListNexus(argument: _mayastor_v1_ListNexusOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  listNexus(argument: _mayastor_v1_ListNexusOptions, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  listNexus(argument: _mayastor_v1_ListNexusOptions, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  listNexus(argument: _mayastor_v1_ListNexusOptions, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  listNexus(argument: _mayastor_v1_ListNexusOptions, callback: grpc.requestCallback<_mayastor_v1_ListNexusResponse__Output>): grpc.ClientUnaryCall;
  
  ListRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  listRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  listRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  listRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  listRebuildHistory(argument: _mayastor_v1_ListRebuildHistoryRequest, callback: grpc.requestCallback<_mayastor_v1_ListRebuildHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  PauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  PauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  PauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  PauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  pauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  pauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  pauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  pauseRebuild(argument: _mayastor_v1_PauseRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_PauseRebuildResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Expose the nexus over NVMe-oF (nqn.2019-05.io.openebs:<name> on the nexus port, 4421) or
   * NBD (export <name>). Publishing again with the same protocol succeeds and replaces the
   * allowed hosts; another protocol is FAILED_PRECONDITION.
   */
  PublishNexus(argument: _mayastor_v1_PublishNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  PublishNexus(argument: _mayastor_v1_PublishNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  PublishNexus(argument: _mayastor_v1_PublishNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  PublishNexus(argument: _mayastor_v1_PublishNexusRequest, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Expose the nexus over NVMe-oF (nqn.2019-05.io.openebs:<name> on the nexus port, 4421) or
   * NBD (export <name>). Publishing again with the same protocol succeeds and replaces the
   * allowed hosts; another protocol is FAILED_PRECONDITION.
   */
  publishNexus(argument: _mayastor_v1_PublishNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  publishNexus(argument: _mayastor_v1_PublishNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  publishNexus(argument: _mayastor_v1_PublishNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  publishNexus(argument: _mayastor_v1_PublishNexusRequest, callback: grpc.requestCallback<_mayastor_v1_PublishNexusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Remove a child for good. The last healthy child cannot be removed (FAILED_PRECONDITION).
   * Removing a child the nexus does not have succeeds.
   */
  RemoveChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  RemoveChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  RemoveChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  RemoveChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Remove a child for good. The last healthy child cannot be removed (FAILED_PRECONDITION).
   * Removing a child the nexus does not have succeeds.
   */
  removeChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  removeChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  removeChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  removeChildNexus(argument: _mayastor_v1_RemoveChildNexusRequest, callback: grpc.requestCallback<_mayastor_v1_RemoveChildNexusResponse__Output>): grpc.ClientUnaryCall;
  
  ResumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  ResumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  ResumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  ResumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  resumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  resumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  resumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  resumeRebuild(argument: _mayastor_v1_ResumeRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_ResumeRebuildResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stop serving I/O and record a clean shutdown, keeping the nexus listed (state SHUTDOWN)
   * until it is destroyed. Shutting down a shut-down nexus succeeds.
   */
  ShutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  ShutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  ShutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  ShutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stop serving I/O and record a clean shutdown, keeping the nexus listed (state SHUTDOWN)
   * until it is destroyed. Shutting down a shut-down nexus succeeds.
   */
  shutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  shutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  shutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  shutdownNexus(argument: _mayastor_v1_ShutdownNexusRequest, callback: grpc.requestCallback<_mayastor_v1_ShutdownNexusResponse__Output>): grpc.ClientUnaryCall;
  
  StartRebuild(argument: _mayastor_v1_StartRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  StartRebuild(argument: _mayastor_v1_StartRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  StartRebuild(argument: _mayastor_v1_StartRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  StartRebuild(argument: _mayastor_v1_StartRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  startRebuild(argument: _mayastor_v1_StartRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  startRebuild(argument: _mayastor_v1_StartRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  startRebuild(argument: _mayastor_v1_StartRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  startRebuild(argument: _mayastor_v1_StartRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_StartRebuildResponse__Output>): grpc.ClientUnaryCall;
  
  StopRebuild(argument: _mayastor_v1_StopRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  StopRebuild(argument: _mayastor_v1_StopRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  StopRebuild(argument: _mayastor_v1_StopRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  StopRebuild(argument: _mayastor_v1_StopRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  stopRebuild(argument: _mayastor_v1_StopRebuildRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  stopRebuild(argument: _mayastor_v1_StopRebuildRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  stopRebuild(argument: _mayastor_v1_StopRebuildRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  stopRebuild(argument: _mayastor_v1_StopRebuildRequest, callback: grpc.requestCallback<_mayastor_v1_StopRebuildResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stop exposing the nexus; hosts are disconnected. Unpublishing an unpublished nexus succeeds.
   */
  UnpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  UnpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  UnpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  UnpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stop exposing the nexus; hosts are disconnected. Unpublishing an unpublished nexus succeeds.
   */
  unpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  unpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  unpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  unpublishNexus(argument: _mayastor_v1_UnpublishNexusRequest, callback: grpc.requestCallback<_mayastor_v1_UnpublishNexusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NexusRpcHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Add a child; it is rebuilt in full unless norebuild. Adding an existing child succeeds.
   */
  AddChildNexus: grpc.handleUnaryCall<_mayastor_v1_AddChildNexusRequest__Output, _mayastor_v1_AddChildNexusResponse>;
  
  ChildOperation: grpc.handleUnaryCall<_mayastor_v1_ChildOperationRequest__Output, _mayastor_v1_ChildOperationResponse>;
  
  /**
   * Create a nexus over the given children. Creating one that exists with the same uuid, size
   * and children succeeds and returns it; a different spec is ALREADY_EXISTS.
   */
  CreateNexus: grpc.handleUnaryCall<_mayastor_v1_CreateNexusRequest__Output, _mayastor_v1_CreateNexusResponse>;
  
  /**
   * Unpublish, shut down cleanly (NexusInfo records clean_shutdown) and forget the nexus.
   * Destroying a nexus that does not exist succeeds.
   */
  DestroyNexus: grpc.handleUnaryCall<_mayastor_v1_DestroyNexusRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Retire a child as if it had failed I/O (it keeps an I/O log for a partial rebuild).
   */
  FaultNexusChild: grpc.handleUnaryCall<_mayastor_v1_FaultNexusChildRequest__Output, _mayastor_v1_FaultNexusChildResponse>;
  
  GetRebuildHistory: grpc.handleUnaryCall<_mayastor_v1_RebuildHistoryRequest__Output, _mayastor_v1_RebuildHistoryResponse>;
  
  GetRebuildState: grpc.handleUnaryCall<_mayastor_v1_RebuildStateRequest__Output, _mayastor_v1_RebuildStateResponse>;
  
  GetRebuildStats: grpc.handleUnaryCall<_mayastor_v1_RebuildStatsRequest__Output, _mayastor_v1_RebuildStatsResponse>;
  
  ListNexus: grpc.handleUnaryCall<_mayastor_v1_ListNexusOptions__Output, _mayastor_v1_ListNexusResponse>;
  
  ListRebuildHistory: grpc.handleUnaryCall<_mayastor_v1_ListRebuildHistoryRequest__Output, _mayastor_v1_ListRebuildHistoryResponse>;
  
  PauseRebuild: grpc.handleUnaryCall<_mayastor_v1_PauseRebuildRequest__Output, _mayastor_v1_PauseRebuildResponse>;
  
  /**
   * Expose the nexus over NVMe-oF (nqn.2019-05.io.openebs:<name> on the nexus port, 4421) or
   * NBD (export <name>). Publishing again with the same protocol succeeds and replaces the
   * allowed hosts; another protocol is FAILED_PRECONDITION.
   */
  PublishNexus: grpc.handleUnaryCall<_mayastor_v1_PublishNexusRequest__Output, _mayastor_v1_PublishNexusResponse>;
  
  /**
   * Remove a child for good. The last healthy child cannot be removed (FAILED_PRECONDITION).
   * Removing a child the nexus does not have succeeds.
   */
  RemoveChildNexus: grpc.handleUnaryCall<_mayastor_v1_RemoveChildNexusRequest__Output, _mayastor_v1_RemoveChildNexusResponse>;
  
  ResumeRebuild: grpc.handleUnaryCall<_mayastor_v1_ResumeRebuildRequest__Output, _mayastor_v1_ResumeRebuildResponse>;
  
  /**
   * Stop serving I/O and record a clean shutdown, keeping the nexus listed (state SHUTDOWN)
   * until it is destroyed. Shutting down a shut-down nexus succeeds.
   */
  ShutdownNexus: grpc.handleUnaryCall<_mayastor_v1_ShutdownNexusRequest__Output, _mayastor_v1_ShutdownNexusResponse>;
  
  StartRebuild: grpc.handleUnaryCall<_mayastor_v1_StartRebuildRequest__Output, _mayastor_v1_StartRebuildResponse>;
  
  StopRebuild: grpc.handleUnaryCall<_mayastor_v1_StopRebuildRequest__Output, _mayastor_v1_StopRebuildResponse>;
  
  /**
   * Stop exposing the nexus; hosts are disconnected. Unpublishing an unpublished nexus succeeds.
   */
  UnpublishNexus: grpc.handleUnaryCall<_mayastor_v1_UnpublishNexusRequest__Output, _mayastor_v1_UnpublishNexusResponse>;
  
}

export interface NexusRpcDefinition extends grpc.ServiceDefinition {
  AddChildNexus: MethodDefinition<_mayastor_v1_AddChildNexusRequest, _mayastor_v1_AddChildNexusResponse, _mayastor_v1_AddChildNexusRequest__Output, _mayastor_v1_AddChildNexusResponse__Output>
  ChildOperation: MethodDefinition<_mayastor_v1_ChildOperationRequest, _mayastor_v1_ChildOperationResponse, _mayastor_v1_ChildOperationRequest__Output, _mayastor_v1_ChildOperationResponse__Output>
  CreateNexus: MethodDefinition<_mayastor_v1_CreateNexusRequest, _mayastor_v1_CreateNexusResponse, _mayastor_v1_CreateNexusRequest__Output, _mayastor_v1_CreateNexusResponse__Output>
  DestroyNexus: MethodDefinition<_mayastor_v1_DestroyNexusRequest, _google_protobuf_Empty, _mayastor_v1_DestroyNexusRequest__Output, _google_protobuf_Empty__Output>
  FaultNexusChild: MethodDefinition<_mayastor_v1_FaultNexusChildRequest, _mayastor_v1_FaultNexusChildResponse, _mayastor_v1_FaultNexusChildRequest__Output, _mayastor_v1_FaultNexusChildResponse__Output>
  GetRebuildHistory: MethodDefinition<_mayastor_v1_RebuildHistoryRequest, _mayastor_v1_RebuildHistoryResponse, _mayastor_v1_RebuildHistoryRequest__Output, _mayastor_v1_RebuildHistoryResponse__Output>
  GetRebuildState: MethodDefinition<_mayastor_v1_RebuildStateRequest, _mayastor_v1_RebuildStateResponse, _mayastor_v1_RebuildStateRequest__Output, _mayastor_v1_RebuildStateResponse__Output>
  GetRebuildStats: MethodDefinition<_mayastor_v1_RebuildStatsRequest, _mayastor_v1_RebuildStatsResponse, _mayastor_v1_RebuildStatsRequest__Output, _mayastor_v1_RebuildStatsResponse__Output>
  ListNexus: MethodDefinition<_mayastor_v1_ListNexusOptions, _mayastor_v1_ListNexusResponse, _mayastor_v1_ListNexusOptions__Output, _mayastor_v1_ListNexusResponse__Output>
  ListRebuildHistory: MethodDefinition<_mayastor_v1_ListRebuildHistoryRequest, _mayastor_v1_ListRebuildHistoryResponse, _mayastor_v1_ListRebuildHistoryRequest__Output, _mayastor_v1_ListRebuildHistoryResponse__Output>
  PauseRebuild: MethodDefinition<_mayastor_v1_PauseRebuildRequest, _mayastor_v1_PauseRebuildResponse, _mayastor_v1_PauseRebuildRequest__Output, _mayastor_v1_PauseRebuildResponse__Output>
  PublishNexus: MethodDefinition<_mayastor_v1_PublishNexusRequest, _mayastor_v1_PublishNexusResponse, _mayastor_v1_PublishNexusRequest__Output, _mayastor_v1_PublishNexusResponse__Output>
  RemoveChildNexus: MethodDefinition<_mayastor_v1_RemoveChildNexusRequest, _mayastor_v1_RemoveChildNexusResponse, _mayastor_v1_RemoveChildNexusRequest__Output, _mayastor_v1_RemoveChildNexusResponse__Output>
  ResumeRebuild: MethodDefinition<_mayastor_v1_ResumeRebuildRequest, _mayastor_v1_ResumeRebuildResponse, _mayastor_v1_ResumeRebuildRequest__Output, _mayastor_v1_ResumeRebuildResponse__Output>
  ShutdownNexus: MethodDefinition<_mayastor_v1_ShutdownNexusRequest, _mayastor_v1_ShutdownNexusResponse, _mayastor_v1_ShutdownNexusRequest__Output, _mayastor_v1_ShutdownNexusResponse__Output>
  StartRebuild: MethodDefinition<_mayastor_v1_StartRebuildRequest, _mayastor_v1_StartRebuildResponse, _mayastor_v1_StartRebuildRequest__Output, _mayastor_v1_StartRebuildResponse__Output>
  StopRebuild: MethodDefinition<_mayastor_v1_StopRebuildRequest, _mayastor_v1_StopRebuildResponse, _mayastor_v1_StopRebuildRequest__Output, _mayastor_v1_StopRebuildResponse__Output>
  UnpublishNexus: MethodDefinition<_mayastor_v1_UnpublishNexusRequest, _mayastor_v1_UnpublishNexusResponse, _mayastor_v1_UnpublishNexusRequest__Output, _mayastor_v1_UnpublishNexusResponse__Output>
}
