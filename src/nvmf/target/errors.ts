/** Stable error codes of the NVMe-oF target (configuration and lifecycle; wire errors are NVMe statuses). */
import { errorFactory, type ErrorKind } from '../../core/errors.js';

export const NvmfTargetErrors = {
  INVALID_NQN: 'NVMF_INVALID_NQN',
  SUBSYSTEM_EXISTS: 'NVMF_SUBSYSTEM_EXISTS',
  SUBSYSTEM_NOT_FOUND: 'NVMF_SUBSYSTEM_NOT_FOUND',
  NAMESPACE_EXISTS: 'NVMF_NAMESPACE_EXISTS',
  NAMESPACE_NOT_FOUND: 'NVMF_NAMESPACE_NOT_FOUND',
  INVALID_OPTION: 'NVMF_INVALID_OPTION',
  INVALID_ADDRESS: 'NVMF_INVALID_ADDRESS',
  LISTEN_FAILED: 'NVMF_LISTEN_FAILED',
  TARGET_STOPPED: 'NVMF_TARGET_STOPPED',
} as const;

export type NvmfTargetErrorCode = (typeof NvmfTargetErrors)[keyof typeof NvmfTargetErrors];

const KIND: Record<NvmfTargetErrorCode, ErrorKind> = {
  NVMF_INVALID_NQN: 'InvalidArgument',
  NVMF_SUBSYSTEM_EXISTS: 'AlreadyExists',
  NVMF_SUBSYSTEM_NOT_FOUND: 'NotFound',
  NVMF_NAMESPACE_EXISTS: 'AlreadyExists',
  NVMF_NAMESPACE_NOT_FOUND: 'NotFound',
  NVMF_INVALID_OPTION: 'InvalidArgument',
  NVMF_INVALID_ADDRESS: 'InvalidArgument',
  NVMF_LISTEN_FAILED: 'Unavailable',
  NVMF_TARGET_STOPPED: 'FailedPrecondition',
};

export const nvmfTargetError = errorFactory<NvmfTargetErrorCode>(KIND);
