/**
 * How many rows one forward + backward pass can take: the peak tensor memory of a pass is
 * measured at 1 and at 2 rows (it grows linearly with rows), and the rows that fit a budget are
 * derived from the two. The wasm backend stops at a 4 GB heap, so nanoGPT's batch of 64 × 256
 * does not fit in one pass; the trainer splits it into passes of this many rows (gradient
 * accumulation, which gives the same step).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '@scratchgpt/model';
import { accumulateGradients } from './train-step';

/** What a pass costs in tensor memory. */
export interface PassMemory {
  /** Bytes a pass allocates regardless of rows. */
  fixedBytes: number;
  /** Bytes each row of `blockSize` tokens adds to the peak. */
  bytesPerRow: number;
}

/** Peak bytes above what is allocated now, of one forward + backward pass over `rows` rows of `T` tokens. */
async function peakBytes(model: GPT, rows: number, T: number): Promise<number> {
  const ids = () => tf.zeros([rows, T], 'int32');
  const [x, y] = [ids(), ids()];
  const before = tf.memory().numBytes;
  const rng = model.rng.getState(); // dropout draws from it: the run's stream must not move
  try {
    const info = await tf.profile(() => tf.dispose([...accumulateGradients(model, [{ x, y, weight: 1 }]).grads.values()]));
    return info.peakBytes - before;
  } finally {
    model.rng.setState(rng);
    tf.dispose([x, y]);
  }
}

/** Measures a pass of the model at 1 and 2 rows of `blockSize` tokens (on the active backend). */
export async function measurePassMemory(model: GPT, blockSize = model.config.blockSize): Promise<PassMemory> {
  const [one, two] = [await peakBytes(model, 1, blockSize), await peakBytes(model, 2, blockSize)];
  const bytesPerRow = Math.max(two - one, 1);
  return { fixedBytes: Math.max(one - bytesPerRow, 0), bytesPerRow };
}

/** The most rows a pass can take within `budgetBytes` (at least 1; the caller decides what to do if even one does not fit). */
export function rowsWithin(memory: PassMemory, budgetBytes: number): number {
  return Math.max(1, Math.floor((budgetBytes - memory.fixedBytes) / memory.bytesPerRow));
}
