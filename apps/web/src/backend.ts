/**
 * Starts a TensorFlow.js backend in the browser, on a page or in a worker: `auto` tries the
 * backends of an order one after another (the sampler's `BACKENDS`: webgpu on a hardware GPU,
 * webgl, wasm, cpu; the training worker's `TRAIN_BACKENDS`: webgpu, wasm, cpu); a forced one that
 * fails falls back along the same order, and the reason is returned. WebGPU starts through
 * `startWebGPU` of `@scratchgpt/nn` (the device gets the adapter's limits, GPU errors are thrown,
 * the fused kernels run), and a software adapter (SwiftShader) is used only when asked for by
 * name. Importing this module touches no `document` or `window` (webgl is registered, not
 * started), so the training worker imports it as the sampler page does.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreads from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { backendsFor, SoftwareAdapterError, startWebGPU, webgpuAdapter } from '@scratchgpt/nn'; // importing it also registers the gradients and wasm kernels the models need

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

/** `start`'s answer for a backend left out without failing (webgpu on a software adapter under `auto`). */
const SKIPPED = 'skipped';

/** Starts `name`: undefined when it runs, else why not. */
async function start(name: BackendName, asked: boolean): Promise<string | undefined> {
  try {
    if (name === 'webgpu') {
      if (!('gpu' in navigator)) return 'this browser has no WebGPU';
      try {
        await startWebGPU({ allowSoftware: asked });
      } catch (error) {
        if (error instanceof SoftwareAdapterError) return SKIPPED;
        throw error;
      }
      return undefined;
    }
    const info = backendsFor('browser').find((b) => b.name === name);
    if (info === undefined) return `it is not a browser backend (use one of ${BACKENDS.join(', ')})`;
    // setBackend resolves to false (it does not throw) when the backend fails to initialise.
    return (await tf.setBackend(info.tfName)) ? undefined : 'it failed to initialise';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Starts `choice` (or, for `auto`, the first of `order` that starts), falling back along `order`
 * (default: the sampler's {@link BACKENDS}); the note says why this one.
 */
export async function selectBackend(choice: BackendName | 'auto', order: readonly BackendName[] = BACKENDS): Promise<ActiveBackend> {
  const tries: BackendName[] = choice === 'auto' ? [...order] : [choice, ...order.filter((b) => b !== choice)];
  const failed: string[] = [];
  let skipped = '';
  for (const name of tries) {
    const reason = await start(name, name === choice);
    if (reason === SKIPPED) {
      skipped = `; ${name} skipped (a software adapter: ask for it by name)`;
      continue;
    }
    if (reason === undefined) {
      const note =
        failed.length === 0
          ? choice === 'auto'
            ? `auto: the first that started${skipped}`
            : 'as asked'
          : `${failed.join('; ')}; fell back to ${name}`;
      const adapter = name === 'webgpu' ? webgpuAdapter() : undefined;
      return { name, note: adapter ? `${note}; adapter: ${adapter.description}${adapter.software ? ' (software)' : ''}` : note };
    }
    failed.push(`${name} did not start (${reason})`);
  }
  throw new Error(`No TensorFlow.js backend started: ${failed.join('; ')}.`);
}
