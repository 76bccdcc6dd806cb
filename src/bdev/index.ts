export * from './types.js';
export * from './errors.js';
export * from './base.js';
export * from './malloc.js';
export * from './file.js';
export * from './uri.js';
export * from './registry.js';
export * from './fault.js';
export { lockExclusive } from './uring-engine.js';
