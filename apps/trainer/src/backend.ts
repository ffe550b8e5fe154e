/**
 * Picks and starts the TensorFlow.js backend. `auto` prefers native TensorFlow
 * (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`: optional, imported only when present,
 * because their install downloads libtensorflow), then wasm, then cpu, and says why it chose.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@scratchgpt/nn'; // gradients and the wasm kernels the models need

export const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** The npm package behind each native backend. */
const NATIVE = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' } as const;

/** The backend that runs, and one line on why. */
export interface ActiveBackend {
  name: Exclude<BackendChoice, 'auto'>;
  reason: string;
}

/** Imports a native binding if it is installed; `undefined` when it is not. Other failures are errors. */
async function importNative(choice: 'node-gpu' | 'node'): Promise<boolean> {
  try {
    await import(NATIVE[choice]);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw new Error(`${NATIVE[choice]} is installed but failed to load: ${(error as Error).message}`, { cause: error });
  }
}

/** Starts `name` ('tensorflow' for the native ones); false when it does not initialise. */
async function start(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name); // resolves to false (does not throw) when initialisation fails
  } catch {
    return false;
  }
}

function installHint(choice: 'node-gpu' | 'node'): string {
  return (
    `The "${choice}" backend needs ${NATIVE[choice]}, which is not installed. Install it beside the trainer ` +
    `(\`pnpm add ${NATIVE[choice]}\`; its install downloads libtensorflow${choice === 'node-gpu' ? ' and needs CUDA' : ''}), ` +
    `or use --backend wasm.`
  );
}

export async function selectBackend(choice: BackendChoice): Promise<ActiveBackend> {
  if (!BACKENDS.includes(choice)) throw new Error(`Unknown backend "${choice}"; use one of ${BACKENDS.join(', ')}.`);
  if (choice === 'node-gpu' || choice === 'node') {
    if (!(await importNative(choice))) throw new Error(installHint(choice));
    if (!(await start('tensorflow'))) throw new Error(`${NATIVE[choice]} is installed but its backend did not start.`);
    return { name: choice, reason: 'asked for' };
  }
  if (choice === 'wasm' || choice === 'cpu') {
    if (!(await start(choice))) throw new Error(`The ${choice} backend did not start.`);
    return { name: choice, reason: 'asked for' };
  }
  // auto
  const skipped: string[] = [];
  for (const native of ['node-gpu', 'node'] as const) {
    if (await importNative(native)) {
      if (await start('tensorflow')) return { name: native, reason: `auto: ${NATIVE[native]} is installed` };
      skipped.push(`${NATIVE[native]} did not start`);
    } else skipped.push(`${NATIVE[native]} is not installed`);
  }
  if (await start('wasm')) return { name: 'wasm', reason: `auto: ${skipped.join(', ')}` };
  if (await start('cpu')) return { name: 'cpu', reason: `auto: ${skipped.join(', ')}, wasm did not start` };
  throw new Error('No TensorFlow.js backend started (tried node-gpu, node, wasm and cpu).');
}
