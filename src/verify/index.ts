export * from './stamp.js';
export * from './journal.js';
export * from './workload.js';
export * from './check.js';
