// Original file: mayastor/v1/bdev.proto

import type { Long } from '@grpc/proto-loader';

export interface Bdev {
  'name'?: (string);
  'uuid'?: (string);
  'num_blocks'?: (number | string | Long);
  'blk_size'?: (number);
  /**
   * The URI the device was created from, or where it is shared.
   */
  'share_uri'?: (string);
  /**
   * The driver: malloc, aio, uring, replica, nexus, nvmf.
   */
  'product_name'?: (string);
  /**
   * Used by a pool, nexus or share.
   */
  'claimed'?: (boolean);
  /**
   * Who claims it: "pool:<name>", "nexus:<name>", "share".
   */
  'claimed_by'?: (string);
  'uri'?: (string);
}

export interface Bdev__Output {
  'name': (string);
  'uuid': (string);
  'num_blocks': (number);
  'blk_size': (number);
  /**
   * The URI the device was created from, or where it is shared.
   */
  'share_uri': (string);
  /**
   * The driver: malloc, aio, uring, replica, nexus, nvmf.
   */
  'product_name': (string);
  /**
   * Used by a pool, nexus or share.
   */
  'claimed': (boolean);
  /**
   * Who claims it: "pool:<name>", "nexus:<name>", "share".
   */
  'claimed_by': (string);
  'uri': (string);
}
