// Original file: mayastor/v1/host.proto

import type { ResourceUsage as _mayastor_v1_ResourceUsage, ResourceUsage__Output as _mayastor_v1_ResourceUsage__Output } from '../../mayastor/v1/ResourceUsage.js';

export interface GetMayastorResourceUsageResponse {
  'usage'?: (_mayastor_v1_ResourceUsage | null);
}

export interface GetMayastorResourceUsageResponse__Output {
  'usage': (_mayastor_v1_ResourceUsage__Output | null);
}
