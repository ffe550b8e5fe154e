// Side effects every package needs before training on tfjs-core alone:
// 1. tfjs-core's gradients (bundled into this file by tsup, see tsup.config.ts);
// 2. the kernels the wasm backend lacks (UnsortedSegmentSum, for tf.gather's gradient);
// 3. the fused WebGPU kernels (registered by name for 'webgpu'; nothing runs until that backend does).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerWasmKernels } from './wasm-kernels';

import './webgpu/layer-norm';
import './webgpu/gelu';
import './webgpu/cross-entropy';

registerWasmKernels();
