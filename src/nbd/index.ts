export * from './protocol.js';
export * from './errors.js';
export * from './allowlist.js';
export * from './server.js';
export { NbdConnection, type NbdExport, type ServerCounters } from './connection.js';
