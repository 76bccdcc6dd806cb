// Original file: mayastor/v1/host.proto

import type { Partition as _mayastor_v1_Partition, Partition__Output as _mayastor_v1_Partition__Output } from '../../mayastor/v1/Partition.js';
import type { Filesystem as _mayastor_v1_Filesystem, Filesystem__Output as _mayastor_v1_Filesystem__Output } from '../../mayastor/v1/Filesystem.js';
import type { Long } from '@grpc/proto-loader';

export interface BlockDevice {
  'devname'?: (string);
  /**
   * disk, partition, loop, ...
   */
  'devtype'?: (string);
  'devmajor'?: (number);
  'devminor'?: (number);
  'model'?: (string);
  'devpath'?: (string);
  'devlinks'?: (string)[];
  /**
   * Bytes.
   */
  'size'?: (number | string | Long);
  'partition'?: (_mayastor_v1_Partition | null);
  'filesystem'?: (_mayastor_v1_Filesystem | null);
  /**
   * No filesystem, not mounted, no partitions and not used by a pool of this io-engine.
   */
  'available'?: (boolean);
  /**
   * The pool that uses it (extension).
   */
  'pool'?: (string);
}

export interface BlockDevice__Output {
  'devname': (string);
  /**
   * disk, partition, loop, ...
   */
  'devtype': (string);
  'devmajor': (number);
  'devminor': (number);
  'model': (string);
  'devpath': (string);
  'devlinks': (string)[];
  /**
   * Bytes.
   */
  'size': (number);
  'partition': (_mayastor_v1_Partition__Output | null);
  'filesystem': (_mayastor_v1_Filesystem__Output | null);
  /**
   * No filesystem, not mounted, no partitions and not used by a pool of this io-engine.
   */
  'available': (boolean);
  /**
   * The pool that uses it (extension).
   */
  'pool': (string);
}
