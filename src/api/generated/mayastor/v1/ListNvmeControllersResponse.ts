// Original file: mayastor/v1/host.proto

import type { NvmeController as _mayastor_v1_NvmeController, NvmeController__Output as _mayastor_v1_NvmeController__Output } from '../../mayastor/v1/NvmeController.js';

export interface ListNvmeControllersResponse {
  'controllers'?: (_mayastor_v1_NvmeController)[];
}

export interface ListNvmeControllersResponse__Output {
  'controllers': (_mayastor_v1_NvmeController__Output)[];
}
