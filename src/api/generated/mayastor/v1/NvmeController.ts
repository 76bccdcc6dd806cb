// Original file: mayastor/v1/host.proto

import type { Long } from '@grpc/proto-loader';

export interface NvmeController {
  'name'?: (string);
  /**
   * live, resetting, failed, closing, closed.
   */
  'state'?: (string);
  'size'?: (number | string | Long);
  'blk_size'?: (number);
  'uuid'?: (string);
}

export interface NvmeController__Output {
  'name': (string);
  /**
   * live, resetting, failed, closing, closed.
   */
  'state': (string);
  'size': (number);
  'blk_size': (number);
  'uuid': (string);
}
