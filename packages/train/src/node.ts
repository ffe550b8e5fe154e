// Node-only: checkpoint files, written atomically, and data-parallel training over worker threads. Import from "@scratchgpt/train/node".
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@scratchgpt/data/node';
import { CheckpointError, restoreCheckpoint } from './checkpoint';

/**
 * Writes checkpoint bytes to `path` atomically (temporary file, fsync, rename): a crash or kill
 * during the save leaves the previous checkpoint in place, never half of a new one.
 */
export async function saveCheckpoint(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes);
}

/** Reads a checkpoint file; a damaged one is named with the reason. */
export async function loadCheckpoint(path: string): Promise<ReturnType<typeof restoreCheckpoint>> {
  const bytes = new Uint8Array(await readFile(path));
  try {
    return restoreCheckpoint(bytes); // checks format and checksum before building anything
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(`checkpoint ${path} is unusable: ${error.message}`, { cause: error });
    throw error;
  }
}

export { DataParallel, type DataParallelOptions } from './data-parallel';
