// Side effects every package needs before training on tfjs-core alone:
// 1. tfjs-core's gradients (bundled into this file by tsup, see tsup.config.ts);
// 2. the kernels the wasm backend lacks (UnsortedSegmentSum, for tf.gather's gradient).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerWasmKernels } from './wasm-kernels';

registerWasmKernels();
