/**
 * Starts a TensorFlow.js backend in the browser: `auto` tries the browser's backends in order
 * (webgpu, webgl, wasm, cpu); a forced one that fails falls back along the same order, and the
 * reason is returned.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreads from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { backendsFor } from '@scratchgpt/nn'; // importing it also registers the gradients and wasm kernels the models need

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreads,
});

/** The browser's backends, in order of preference (the one list is `BACKENDS` of `@scratchgpt/nn`). */
export const BACKENDS = backendsFor('browser').map((b) => b.name);
export type BackendName = string;

export interface ActiveBackend {
  name: BackendName;
  /** Why this one: asked for, or which ones failed before it. */
  note: string;
}

async function start(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'webgpu' && !('gpu' in navigator)) return 'this browser has no WebGPU';
    // setBackend resolves to false (it does not throw) when the backend fails to initialise.
    return (await tf.setBackend(backendsFor('browser').find((b) => b.name === name)!.tfName)) ? undefined : 'it failed to initialise';
  } catch (error) {
    return (error as Error).message;
  }
}

export async function selectBackend(choice: BackendName | 'auto'): Promise<ActiveBackend> {
  const order: BackendName[] = choice === 'auto' ? [...BACKENDS] : [choice, ...BACKENDS.filter((b) => b !== choice)];
  const failed: string[] = [];
  for (const name of order) {
    const reason = await start(name);
    if (reason === undefined) {
      const note =
        failed.length === 0
          ? choice === 'auto'
            ? 'auto: the first that started'
            : 'as asked'
          : `${failed.join('; ')}; fell back to ${name}`;
      return { name, note };
    }
    failed.push(`${name} did not start (${reason})`);
  }
  throw new Error(`No TensorFlow.js backend started: ${failed.join('; ')}.`);
}
