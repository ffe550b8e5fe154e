import './setup';

export { Dropout, Embedding, LayerNorm, Linear, type InitOptions } from './layers';
export { gelu, geluReference, geluTanh } from './gelu';
export { crossEntropy, crossEntropyReference } from './cross-entropy';
export { batchMatMul } from './batch-matmul';
export { backendHasKernel, runFused } from './fused';
export { layerNorm, layerNormReference } from './layer-norm';
export {
  gpuWork,
  NoWebGPUAdapterError,
  SoftwareAdapterError,
  startWebGPU,
  webgpuAdapter,
  WebGPUError,
  type StartWebGPUOptions,
  type WebGPUAdapter,
} from './webgpu/device';
export {
  ERF_WGSL,
  flatView,
  registerWebGPUKernel,
  runElementwise,
  runKernel as runWebGPUKernel,
  workgroupReduceWgsl,
  type ElementwiseSpec,
  type KernelSpec,
} from './webgpu/program';
export { BACKENDS, backendByTfName, backendsFor, type BackendInfo, type BackendName } from './backends';
export { matMul2d, recordingGradients } from './matmul';
export { Module, ModuleList } from './module';
export { randn } from './random';
export { registerWasmKernels } from './wasm-kernels';
