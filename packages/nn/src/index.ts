import './setup';

export { Dropout, Embedding, LayerNorm, Linear, gelu, type InitOptions } from './layers';
export { batchMatMul } from './batch-matmul';
export { matMul2d } from './matmul';
export { Module, ModuleList } from './module';
export { SeededRandom, randn } from './random';
export { registerWasmKernels } from './wasm-kernels';
