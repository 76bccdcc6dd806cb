// Original file: mayastor/v1/bdev.proto

import type { Bdev as _mayastor_v1_Bdev, Bdev__Output as _mayastor_v1_Bdev__Output } from '../../mayastor/v1/Bdev.js';

export interface CreateBdevResponse {
  'bdev'?: (_mayastor_v1_Bdev | null);
}

export interface CreateBdevResponse__Output {
  'bdev': (_mayastor_v1_Bdev__Output | null);
}
