/**
 * The TensorFlow.js backends scratchgpt runs on, in order of preference: for each, the name
 * scratchgpt gives it, the name tfjs registers it under, the npm package that registers it, and
 * where it runs. The one list the trainer, the sampler, the worker threads and the benchmarks read
 * (a platform's `auto` tries its backends in this order).
 */
export interface BackendInfo {
  /** scratchgpt's name (`--backend`, the sampler's menu). */
  readonly name: string;
  /** The name tfjs registers it under (`tf.setBackend`). */
  readonly tfName: string;
  /** The npm package whose import registers it. */
  readonly module: string;
  /** Where it runs. */
  readonly platforms: ReadonlyArray<'node' | 'browser'>;
  /** Native TensorFlow (threads itself; installed separately because its install downloads libtensorflow). */
  readonly native: boolean;
  /** Runs on the CPU in this thread, so worker threads (`DataParallel`) add cores to it. */
  readonly workerThreads: boolean;
}

export const BACKENDS = [
  { name: 'node-gpu', tfName: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', platforms: ['node'], native: true, workerThreads: false },
  { name: 'node', tfName: 'tensorflow', module: '@tensorflow/tfjs-node', platforms: ['node'], native: true, workerThreads: false },
  // In Node through the `webgpu` package (Dawn); started by `startWebGPU`, which `auto` lets pick hardware adapters only.
  {
    name: 'webgpu',
    tfName: 'webgpu',
    module: '@tensorflow/tfjs-backend-webgpu',
    platforms: ['node', 'browser'],
    native: false,
    workerThreads: false,
  },
  { name: 'webgl', tfName: 'webgl', module: '@tensorflow/tfjs-backend-webgl', platforms: ['browser'], native: false, workerThreads: false },
  {
    name: 'wasm',
    tfName: 'wasm',
    module: '@tensorflow/tfjs-backend-wasm',
    platforms: ['node', 'browser'],
    native: false,
    workerThreads: true,
  },
  {
    name: 'cpu',
    tfName: 'cpu',
    module: '@tensorflow/tfjs-backend-cpu',
    platforms: ['node', 'browser'],
    native: false,
    workerThreads: true,
  },
] as const satisfies readonly BackendInfo[];

export type BackendName = (typeof BACKENDS)[number]['name'];

/** The backends of a platform, in order of preference. */
export function backendsFor(platform: 'node' | 'browser'): BackendInfo[] {
  return BACKENDS.filter((b) => (b.platforms as ReadonlyArray<string>).includes(platform));
}

/** The backend tfjs registers as `tfName` (e.g. `tf.getBackend()`), if it is one of ours. */
export function backendByTfName(tfName: string): BackendInfo | undefined {
  return BACKENDS.find((b) => b.tfName === tfName);
}
