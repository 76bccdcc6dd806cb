// Original file: mayastor/v1/nexus.proto

import type { Nexus as _mayastor_v1_Nexus, Nexus__Output as _mayastor_v1_Nexus__Output } from '../../mayastor/v1/Nexus.js';

export interface ListNexusResponse {
  'nexus_list'?: (_mayastor_v1_Nexus)[];
}

export interface ListNexusResponse__Output {
  'nexus_list': (_mayastor_v1_Nexus__Output)[];
}
