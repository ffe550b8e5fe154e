/**
 * Where a training loop gets its batches: one interface, two ways to draw them.
 * - `random`: nanoGPT's `get_batch`, rows at uniformly random offsets ({@link RandomBatchSampler}).
 * - `sliding`: Raschka's `GPTDatasetV1` + `DataLoader`: windows every `stride` tokens, visited in a
 *   new shuffled order each epoch, full batches only (`drop_last=True`) ({@link SlidingWindowSampler}).
 * Both save and restore their position as plain JSON, so a resumed run draws the same batches, and
 * both say how many epochs of the data they have drawn. New kinds go in {@link BATCH_SAMPLERS}.
 */
import { Batch } from './batch';
import { shuffledOrder } from './data-loader';
import { RandomBatchSampler } from './random-batch-sampler';
import { SlidingWindowDataset } from './sliding-window';

/** A batch source's position, as JSON (for checkpoints). */
export type BatchSourceState = { kind: 'random'; rng: number[]; rows: number } | { kind: 'sliding'; epoch: number; window: number };

/** An endless stream of `(batchSize, blockSize)` batches with a resumable position. */
export interface BatchSource {
  readonly kind: BatchSourceState['kind'];
  readonly batchSize: number;
  readonly blockSize: number;
  /** The next batch. */
  next(): Batch;
  /** Epochs of the data drawn so far (fractional: 1.5 is halfway through the second). */
  readonly epoch: number;
  getState(): BatchSourceState;
  setState(state: BatchSourceState): void;
}

/** Options for {@link SlidingWindowSampler}. */
export interface SlidingWindowSamplerOptions {
  batchSize: number;
  /** Window length in tokens (the model's context). */
  blockSize: number;
  /** Tokens between window starts. Default `blockSize` (windows that do not overlap). */
  stride?: number;
  /** Seed of each epoch's order. Default `0`. */
  seed?: number;
}

/**
 * Sliding windows (`ids[i·stride, i·stride + blockSize)`, targets one later) in shuffled epochs:
 * epoch e visits the windows in {@link shuffledOrder}`(n, seed, e)`, `batchSize` at a time, and
 * leaves out the last windows that do not fill a batch, exactly as
 * `new DataLoader(dataset, { batchSize, shuffle: true, dropLast: true, seed }).epoch(e)`; then the
 * next epoch starts. Its position is (epoch, window), so a resumed run continues at the same window
 * of the same epoch (even with another batch size).
 */
export class SlidingWindowSampler implements BatchSource {
  readonly kind = 'sliding';
  readonly dataset: SlidingWindowDataset;
  readonly batchSize: number;
  readonly blockSize: number;
  readonly seed: number;
  private epochIndex = 0;
  private window = 0;
  private order: Int32Array | undefined;

  constructor(ids: ArrayLike<number>, options: SlidingWindowSamplerOptions) {
    const { batchSize, blockSize, stride = blockSize, seed = 0 } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`SlidingWindowSampler: batchSize must be a positive integer, got ${batchSize}.`);
    this.dataset = new SlidingWindowDataset(ids, { maxLength: blockSize, stride });
    if (this.dataset.length < batchSize) {
      throw new RangeError(
        `SlidingWindowSampler: ${this.dataset.length} windows of ${blockSize} tokens every ${stride} fit in the ${this.dataset.ids.length} tokens, ` +
          `fewer than one batch of ${batchSize}; use a smaller stride or batch size, or a longer text.`,
      );
    }
    this.batchSize = batchSize;
    this.blockSize = blockSize;
    this.seed = seed;
  }

  /** Windows in one epoch. */
  get windows(): number {
    return this.dataset.length;
  }

  next(): Batch {
    if (this.window + this.batchSize > this.windows) {
      this.epochIndex++;
      this.window = 0;
      this.order = undefined;
    }
    this.order ??= shuffledOrder(this.windows, this.seed, this.epochIndex);
    const batch = Batch.empty(this.batchSize, this.blockSize);
    for (let r = 0; r < this.batchSize; r++) batch.setRow(r, this.dataset.ids, this.dataset.start(this.order[this.window + r]!));
    this.window += this.batchSize;
    return batch;
  }

  get epoch(): number {
    return this.epochIndex + this.window / this.windows;
  }

  getState(): BatchSourceState {
    return { kind: 'sliding', epoch: this.epochIndex, window: this.window };
  }

  setState(state: BatchSourceState): void {
    if (
      state?.kind !== 'sliding' ||
      !Number.isSafeInteger(state.epoch) ||
      state.epoch < 0 ||
      !Number.isSafeInteger(state.window) ||
      state.window < 0 ||
      state.window > this.windows
    ) {
      throw new RangeError(
        `SlidingWindowSampler.setState: expected { kind: 'sliding', epoch, window } with window in [0, ${this.windows}], got ${JSON.stringify(state)?.slice(0, 80)}.`,
      );
    }
    if (state.epoch !== this.epochIndex) this.order = undefined;
    this.epochIndex = state.epoch;
    this.window = state.window;
  }
}

/** Options of {@link createBatchSource}. */
export interface BatchSourceOptions {
  batchSize: number;
  blockSize: number;
  /** `sliding` only: tokens between window starts. Default `blockSize`. */
  stride?: number;
  seed?: number;
}

/** The batch samplers by name: the one list of kinds (`--sampler`, configs, checkpoints). */
export const BATCH_SAMPLERS = {
  random: (ids: ArrayLike<number>, o: BatchSourceOptions): BatchSource => new RandomBatchSampler(ids, o),
  sliding: (ids: ArrayLike<number>, o: BatchSourceOptions): BatchSource => new SlidingWindowSampler(ids, o),
} as const;

export type BatchSamplerKind = keyof typeof BATCH_SAMPLERS;

/** A batch source of a kind, over `ids`. */
export function createBatchSource(kind: BatchSamplerKind, ids: ArrayLike<number>, options: BatchSourceOptions): BatchSource {
  const make = Object.hasOwn(BATCH_SAMPLERS, kind) ? BATCH_SAMPLERS[kind] : undefined;
  if (make === undefined) throw new RangeError(`Unknown batch sampler "${kind}"; use one of ${Object.keys(BATCH_SAMPLERS).join(', ')}.`);
  const tokens = options.batchSize * options.blockSize;
  if (tokens > MAX_BATCH_TOKENS)
    throw new RangeError(
      `a batch of ${options.batchSize} × ${options.blockSize} = ${tokens.toLocaleString('en-US')} tokens is more than MAX_BATCH_TOKENS = ${MAX_BATCH_TOKENS.toLocaleString('en-US')} held at once; use a smaller batchSize, and gradAccum (micro-batches a step) for the same batch.`,
    );
  return make(ids, options);
}

/**
 * The most tokens one batch holds (batchSize × blockSize): 2^24, 128 MiB of inputs and targets.
 * nanoGPT's largest micro-batch (GPT-2: 12 × 1024) is 1/1365 of it; a larger batch is built from
 * micro-batches (`gradAccum`), so a mistyped batch size fails here instead of in the allocator.
 */
export const MAX_BATCH_TOKENS = 2 ** 24;
