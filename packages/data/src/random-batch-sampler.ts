import { Batch } from './batch';
import type { BatchSource, BatchSourceState } from './batch-source';
import { SeededRandom } from './random';
import { toTokenArray, type TokenArray } from './token-array';

/** Options for {@link RandomBatchSampler}. */
export interface RandomBatchSamplerOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Tokens per row (the model's context). */
  blockSize: number;
  /** Seed of the offsets. Default `0`. */
  seed?: number;
}

/**
 * nanoGPT's `get_batch`: each row starts at a uniformly random offset in `[0, len - blockSize)`.
 * The state (generator and rows drawn) can be saved and restored so a resumed run draws the same
 * batches.
 */
export class RandomBatchSampler implements BatchSource {
  readonly kind = 'random';
  readonly ids: TokenArray;
  readonly batchSize: number;
  readonly blockSize: number;
  private readonly rng: SeededRandom;
  private rows = 0;

  constructor(ids: ArrayLike<number>, options: RandomBatchSamplerOptions) {
    const { batchSize, blockSize, seed = 0 } = options;
    for (const [name, v] of [
      ['batchSize', batchSize],
      ['blockSize', blockSize],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`RandomBatchSampler: ${name} must be a positive integer, got ${v}.`);
    }
    this.ids = toTokenArray(ids);
    if (this.ids.length < blockSize + 1) {
      throw new RangeError(
        `RandomBatchSampler: the text has ${this.ids.length} tokens, but a block needs blockSize + 1 = ${blockSize + 1}; ` +
          `use a longer text or a smaller blockSize.`,
      );
    }
    this.batchSize = batchSize;
    this.blockSize = blockSize;
    this.rng = new SeededRandom(seed);
  }

  /** The next random batch. */
  next(): Batch {
    const batch = Batch.empty(this.batchSize, this.blockSize);
    const range = this.ids.length - this.blockSize;
    for (let b = 0; b < this.batchSize; b++) batch.setRow(b, this.ids, this.rng.nextInt(range));
    this.rows += this.batchSize;
    return batch;
  }

  /** Epochs' worth of tokens drawn so far: rows × blockSize over the tokens in the text. */
  get epoch(): number {
    return (this.rows * this.blockSize) / this.ids.length;
  }

  /** The generator state and rows drawn, for checkpoints. */
  getState(): BatchSourceState {
    return { kind: 'random', rng: this.rng.getState(), rows: this.rows };
  }

  setState(state: BatchSourceState): void {
    if (state?.kind !== 'random' || !Number.isSafeInteger(state.rows) || state.rows < 0) {
      throw new RangeError(
        `RandomBatchSampler.setState: expected the state of a random sampler ({ kind: 'random', rng, rows }), got ${JSON.stringify(state)?.slice(0, 80)}.`,
      );
    }
    this.rng.setState(state.rng);
    this.rows = state.rows;
  }
}
