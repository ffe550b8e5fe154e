import './setup';

export { Dropout, Embedding, LayerNorm, Linear, gelu, type InitOptions } from './layers';
export { Module, ModuleList } from './module';
export { SeededRandom, randn } from './random';
export { registerWasmKernels } from './wasm-kernels';
