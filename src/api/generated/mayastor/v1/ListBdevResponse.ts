// Original file: mayastor/v1/bdev.proto

import type { Bdev as _mayastor_v1_Bdev, Bdev__Output as _mayastor_v1_Bdev__Output } from '../../mayastor/v1/Bdev.js';

export interface ListBdevResponse {
  'bdevs'?: (_mayastor_v1_Bdev)[];
}

export interface ListBdevResponse__Output {
  'bdevs': (_mayastor_v1_Bdev__Output)[];
}
