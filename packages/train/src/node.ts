// Node only (import from "@scratchgpt/train/node"): checkpoint files written atomically, and
// training on every core with worker threads.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@scratchgpt/data/node';
import type { LoadLimits } from '@scratchgpt/model';
import { CheckpointError, restoreCheckpoint, type CheckpointStore } from './checkpoint';
import { DataParallel, type DataParallelOptions } from './data-parallel';
import type { ParallelFactory } from './train-step';

/**
 * A checkpoint file: `save` writes atomically (temporary file, fsync, rename), so a crash or kill
 * during a save leaves the previous checkpoint in place, never half of a new one; `load` gives
 * undefined when there is no file yet.
 */
export function fileCheckpoints(path: string): CheckpointStore {
  return {
    save: (bytes) => writeFileAtomic(path, bytes),
    async load() {
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

/**
 * Reads and restores a checkpoint file; a missing or damaged one is named with the reason. Nothing
 * is built before the file is checked (format, checksum, tensors against the config, finite values,
 * at most `maxParameters`: see `restoreCheckpoint`).
 */
export async function loadCheckpoint(path: string, limits: LoadLimits = {}): Promise<ReturnType<typeof restoreCheckpoint>> {
  const bytes = await fileCheckpoints(path).load();
  if (bytes === undefined) throw new CheckpointError(`no checkpoint at ${path}.`);
  try {
    return restoreCheckpoint(bytes, limits);
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(`checkpoint ${path} is unusable: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * `train`'s `parallel` option for `count` threads, this one included: each takes a share of every
 * batch's rows, with its own backend (the active one) and copy of the model (see DataParallel).
 */
export function threads(count: number, options: Omit<DataParallelOptions, 'threads' | 'maxRows'> = {}): ParallelFactory {
  return (model, { maxRows }) => DataParallel.start(model, { ...options, threads: count, maxRows });
}

export { DataParallel, type DataParallelOptions };
