/** The NVMe-oF/TCP initiator: a remote namespace as a BlockDevice. */
export { NvmfBlockDevice } from './device.js';
export {
  NvmeTcpController,
  namespaceUuid,
  type ControllerState,
  type ControllerStats,
  type ControllerEvents,
} from './controller.js';
export { type QueueStats, MAX_QUEUE_DEPTH } from './queue.js';
export {
  type NvmfInitiatorOptions,
  DEFAULTS as NVMF_INITIATOR_DEFAULTS,
  NVMF_DEFAULT_PORT,
  defaultHostNqn,
  hostIdFromNqn,
} from './options.js';
export {
  registerNvmfScheme,
  nvmfOptionsFromUri,
  nvmfDeviceName,
  NVMF_SCHEMES,
  type NvmfSchemeOptions,
} from './scheme.js';
export { NvmfErrors, type NvmfErrorCode, describeStatus, type NvmeStatusDetails } from './errors.js';
export type { ControllerIdentity, NamespaceIdentity } from './identify.js';
export { discover, DiscoverySubtype, type DiscoveryEntry, type DiscoverOptions } from './discovery.js';
