import './setup';

export { Dropout, Embedding, LayerNorm, Linear, gelu, type InitOptions } from './layers';
export { batchMatMul } from './batch-matmul';
export { BACKENDS, backendByTfName, backendsFor, type BackendInfo, type BackendName } from './backends';
export { matMul2d, recordingGradients } from './matmul';
export { Module, ModuleList } from './module';
export { randn } from './random';
export { registerWasmKernels } from './wasm-kernels';
