// Original file: mayastor/v1/nexus.proto

export const ChildAction = {
  /**
   * Retire the child by request; it keeps an I/O log, so Online later is a partial rebuild.
   */
  Offline: 'Offline',
  /**
   * Bring a retired child back (reconnecting it if needed) and rebuild it.
   */
  Online: 'Online',
  /**
   * Retire the child as if it had failed I/O.
   */
  FaultIOError: 'FaultIOError',
  /**
   * Retire the child for good; it cannot be onlined again.
   */
  OfflinePermanent: 'OfflinePermanent',
} as const;

export type ChildAction =
  /**
   * Retire the child by request; it keeps an I/O log, so Online later is a partial rebuild.
   */
  | 'Offline'
  | 0
  /**
   * Bring a retired child back (reconnecting it if needed) and rebuild it.
   */
  | 'Online'
  | 1
  /**
   * Retire the child as if it had failed I/O.
   */
  | 'FaultIOError'
  | 2
  /**
   * Retire the child for good; it cannot be onlined again.
   */
  | 'OfflinePermanent'
  | 3

export type ChildAction__Output = typeof ChildAction[keyof typeof ChildAction]
