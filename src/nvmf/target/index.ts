export * from './target.js';
export * from './subsystem.js';
export * from './errors.js';
export * from './options.js';
export { St, statusForError } from './status.js';
export type { TargetStats } from './context.js';
export { keepAliveDeadlineMs } from './controller.js';
