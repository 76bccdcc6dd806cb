export * from './errors.js';
export * from './pool.js';
export * from './replica.js';
export { MetaState, NO_CLUSTER, type ReplicaMeta } from './meta.js';
export { DEFAULT_CLUSTER_SIZE, MIN_CLUSTER_SIZE } from './format.js';
