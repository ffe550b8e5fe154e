/**
 * Picks and starts the TensorFlow.js backend. `auto` tries Node's backends in the order of
 * `BACKENDS` (`@scratchgpt/nn`): native TensorFlow (`@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`: optional, imported only when present, because their install downloads
 * libtensorflow), then webgpu on a hardware GPU (`startWebGPU`; a software adapter such as
 * lavapipe only when `--backend webgpu` asks by name), then wasm, then cpu, and says why it chose.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { backendsFor, NoWebGPUAdapterError, SoftwareAdapterError, startWebGPU, type BackendInfo } from '@scratchgpt/nn'; // importing it also registers the gradients and kernels the models need

const NODE_BACKENDS = backendsFor('node');

/** `--backend`'s choices: auto, then Node's backends in order of preference. */
export const BACKEND_CHOICES = ['auto', ...NODE_BACKENDS.map((b) => b.name)] as const;
export type BackendChoice = 'auto' | (typeof NODE_BACKENDS)[number]['name'];

/** The backend that runs, and one line on why. */
export interface ActiveBackend {
  name: string;
  reason: string;
}

/** Whether a backend is native TensorFlow (it threads itself). */
export const isNative = (name: string): boolean => NODE_BACKENDS.some((b) => b.name === name && b.native);

/** Whether worker threads add cores to a backend (wasm, cpu). */
export const usesWorkerThreads = (name: string): boolean => NODE_BACKENDS.some((b) => b.name === name && b.workerThreads);

const info = (name: string): BackendInfo | undefined => NODE_BACKENDS.find((b) => b.name === name);

/** Imports a native binding if it is installed; false when it is not. Other failures are errors. */
async function importNative(b: BackendInfo): Promise<boolean> {
  try {
    await import(b.module);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw new Error(`${b.module} is installed but failed to load: ${(error as Error).message}`, { cause: error });
  }
}

/** Starts a backend by its tfjs name; false when it does not initialise. */
async function start(tfName: string): Promise<boolean> {
  try {
    return await tf.setBackend(tfName); // resolves to false (does not throw) when initialisation fails
  } catch {
    return false;
  }
}

function installHint(b: BackendInfo): string {
  return (
    `The "${b.name}" backend needs ${b.module}, which is not installed. Install it beside the trainer ` +
    `(\`pnpm add ${b.module}\`; its install downloads libtensorflow${b.name === 'node-gpu' ? ' and needs CUDA' : ''}), ` +
    'or use --backend wasm.'
  );
}

/** Starts webgpu: the adapter's name, or why it did not start. */
async function startGpu(allowSoftware: boolean): Promise<{ adapter: string } | { failed: string; skipped: string }> {
  try {
    const adapter = await startWebGPU({ allowSoftware });
    return { adapter: `${adapter.description}${adapter.software ? ': a software adapter, a CPU emulating a GPU' : ''}` };
  } catch (error) {
    const failed = (error as Error).message;
    // What `auto` says when it goes on: nothing to use is not a failure; anything else is named.
    const skipped =
      error instanceof SoftwareAdapterError
        ? 'webgpu has only a software adapter'
        : error instanceof NoWebGPUAdapterError
          ? 'no GPU for webgpu'
          : `webgpu did not start (${failed})`;
    return { failed, skipped };
  }
}

export async function selectBackend(choice: BackendChoice): Promise<ActiveBackend> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice))
    throw new Error(`Unknown backend "${choice}"; use one of ${BACKEND_CHOICES.join(', ')}.`);
  const asked = info(choice);
  if (asked?.name === 'webgpu') {
    const gpu = await startGpu(true);
    if ('failed' in gpu) throw new Error(`The webgpu backend did not start: ${gpu.failed}`);
    return { name: 'webgpu', reason: `asked for; adapter: ${gpu.adapter}` };
  }
  if (asked !== undefined) {
    if (asked.native && !(await importNative(asked))) throw new Error(installHint(asked));
    if (!(await start(asked.tfName)))
      throw new Error(
        asked.native ? `${asked.module} is installed but its backend did not start.` : `The ${asked.name} backend did not start.`,
      );
    return { name: asked.name, reason: 'asked for' };
  }
  // auto: the first that starts.
  const skipped: string[] = [];
  for (const b of NODE_BACKENDS) {
    if (b.name === 'webgpu') {
      const gpu = await startGpu(false);
      if ('adapter' in gpu) return { name: b.name, reason: `auto: ${[...skipped, `adapter: ${gpu.adapter}`].join(', ')}` };
      skipped.push(gpu.skipped);
      continue;
    }
    if (b.native && !(await importNative(b))) {
      skipped.push(`${b.module} is not installed`);
      continue;
    }
    if (await start(b.tfName)) return { name: b.name, reason: `auto: ${skipped.join(', ')}` };
    skipped.push(b.native ? `${b.module} did not start` : `${b.name} did not start`);
  }
  throw new Error(`No TensorFlow.js backend started (tried ${NODE_BACKENDS.map((b) => b.name).join(', ')}).`);
}
