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

/** Tensor memory a pass may use on wasm: its heap stops at 4 GB, which also holds weights, optimizer state and free gaps. */
export const WASM_PASS_BUDGET = 3e9;

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
    const info = await tf.profile(() => {
      const { losses, grads } = accumulateGradients(model, [{ x, y, weight: 1 }]);
      tf.dispose([...losses, ...grads.values()]);
    });
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

/** The default budget of one pass on the active backend: {@link WASM_PASS_BUDGET} on wasm, no limit elsewhere. */
export function defaultPassBudget(): number {
  return tf.getBackend() === 'wasm' ? WASM_PASS_BUDGET : Number.POSITIVE_INFINITY;
}

/**
 * The rows of one pass within `budgetBytes` (measured on the active backend), or no limit when
 * the budget is infinite (nothing measured). Throws when even one row does not fit.
 */
export async function planPassRows(model: GPT, budgetBytes: number): Promise<{ maxRows: number; memory?: PassMemory }> {
  if (!(budgetBytes > 0)) throw new RangeError(`memoryBudget must be a positive number of bytes, got ${budgetBytes}.`);
  if (budgetBytes === Number.POSITIVE_INFINITY) return { maxRows: Number.POSITIVE_INFINITY };
  const tooBig = (bytes: number, what: string) => {
    const mb = (b: number) => (b < 1e6 ? `${Math.round(b / 1e3)} kB` : `${Math.round(b / 1e6).toLocaleString('en-US')} MB`);
    return new Error(
      `one row of ${model.config.blockSize} tokens needs ${what}${mb(bytes)} in a forward + backward pass, more than the ${mb(budgetBytes)} a pass may take (the wasm heap stops at 4 GB); use a smaller blockSize or model.`,
    );
  };
  // Measuring a row that cannot fit would itself exhaust the heap (an abort, not an error): check a floor first.
  const floor = rowBytesFloor(model.config);
  if (floor > budgetBytes) throw tooBig(floor, 'at least ');
  const memory = await measurePassMemory(model);
  if (memory.fixedBytes + memory.bytesPerRow > budgetBytes) throw tooBig(memory.fixedBytes + memory.bytesPerRow, '');
  return { maxRows: rowsWithin(memory, budgetBytes), memory };
}

/**
 * A floor on one row's bytes in a forward + backward pass, from the config alone: every layer
 * keeps its attention scores and their softmax (2 × nHead × T × T floats) for the backward pass,
 * and the logits (T × vocabSize floats) and their gradient exist at once. Real passes take more
 * (measured: 8.4 times this at T = 512, 2 layers, 4 heads, on wasm).
 */
export function rowBytesFloor(config: { nLayer: number; nHead: number; blockSize: number; vocabSize: number }): number {
  const T = config.blockSize;
  return 4 * (2 * config.nLayer * config.nHead * T * T + 2 * T * config.vocabSize);
}
