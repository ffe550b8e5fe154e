/**
 * How many threads train (`--workers`): `auto` is every core on wasm and cpu (one core per thread
 * in Node), one on native TensorFlow (it threads itself) and on webgpu (the GPU does the work). More than one thread trains through
 * `threads(n)` of `@scratchgpt/train/node`; one, in this thread.
 */
import { availableParallelism } from 'node:os';
import type { ParallelFactory } from '@scratchgpt/train';
import { threads } from '@scratchgpt/train/node';
import { isNative as isNativeName, usesWorkerThreads, type ActiveBackend } from './backend';

/** The threads `--workers` asks for on this backend, for batches of `batchSize` rows. */
export function resolveWorkers(workers: number | 'auto', backend: ActiveBackend['name'], batchSize: number): number {
  if (workers === 'auto') return usesWorkerThreads(backend) ? Math.max(1, Math.min(availableParallelism(), batchSize)) : 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer or "auto", got ${workers}.`);
  const cores = availableParallelism();
  if (workers > cores)
    throw new Error(
      `--workers ${workers} is more than this machine's ${cores} cores; a thread trains on one core, so more only slow the steps down. Pass --workers ${cores} or less (or auto).`,
    );
  if (!usesWorkerThreads(backend) && workers > 1)
    throw new Error(
      `--workers ${workers} is for the wasm and cpu backends; ${backend} ${isNativeName(backend) ? 'uses every core by itself' : 'runs on the GPU'}. Use --workers 1 (or auto).`,
    );
  return workers;
}

/** `train`'s `parallel` option for that many threads (undefined: this thread alone). */
export function parallelFor(workers: number | 'auto', backend: ActiveBackend['name'], batchSize: number): ParallelFactory | undefined {
  const n = resolveWorkers(workers, backend, batchSize);
  return n > 1 ? threads(n) : undefined;
}
