import { Batch } from './batch';
import { SeededRandom } from './random';
import type { WindowDataset } from './sliding-window';

/** Options for {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Windows per batch. */
  batchSize: number;
  /** Visit windows in a new random order each epoch. Default `false`. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize`. Default `false`. */
  dropLast?: boolean;
  /** Seed of the shuffle order; epoch e uses a generator derived from (seed, e). Default `0`. */
  seed?: number;
}

/**
 * The order in which epoch `epoch` visits `length` windows, shuffled from (seed, epoch): the one
 * shuffle rule of {@link DataLoader} and the sliding-window batch sampler.
 */
export function shuffledOrder(length: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length }, (_, i) => i);
  return new SeededRandom((Math.imul(seed, 0x9e3779b1) + epoch) | 0).shuffle(order);
}

/**
 * Batches a {@link WindowDataset} like PyTorch's `DataLoader`. Iterating the loader runs the next
 * epoch; `epoch(e)` runs a given one, the same for the same seed every time (so a resumed run
 * sees the same order). Batches are plain int32 arrays; it needs no tfjs backend.
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: WindowDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  /** The epoch the next `for...of` runs. */
  nextEpoch = 0;

  constructor(dataset: WindowDataset, options: DataLoaderOptions) {
    const { batchSize, shuffle = false, dropLast = false, seed = 0 } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}.`);
    }
    if (dropLast && batchSize > dataset.length) {
      throw new RangeError(
        `DataLoader: batchSize ${batchSize} is larger than the dataset's ${dataset.length} windows, so dropLast ` +
          `would drop every batch; use a smaller batchSize, dropLast: false, or more windows (a smaller stride).`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch(this.nextEpoch++);
  }

  /** The batches of epoch `e`. */
  *epoch(e: number): Generator<Batch> {
    const order = this.shuffle
      ? shuffledOrder(this.dataset.length, this.seed, e)
      : Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    const T = this.dataset.maxLength;
    for (let b = 0; b < this.length; b++) {
      const rows = order.subarray(b * this.batchSize, (b + 1) * this.batchSize);
      const batch = Batch.empty(rows.length, T);
      for (const [r, i] of rows.entries()) batch.setRow(r, this.dataset.ids, this.dataset.start(i));
      yield batch;
    }
  }
}
