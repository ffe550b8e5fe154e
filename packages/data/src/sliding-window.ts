import { toTokenArray, type TokenArray } from './token-array';

/** Options for {@link SlidingWindowDataset}. */
export interface SlidingWindowOptions {
  /** Window length in tokens (the model's context, `blockSize`). */
  maxLength: number;
  /** Step between window starts. `stride = maxLength` gives non-overlapping windows. Default `maxLength`. */
  stride?: number;
}

/** One training example: `target[i]` is the token after `input[i]`. */
export interface Window {
  input: TokenArray;
  target: TokenArray;
}

/** What a {@link DataLoader} batches: a fixed number of equal-length windows. */
export interface WindowDataset {
  readonly length: number;
  readonly maxLength: number;
  /** The ids the windows are views of. */
  readonly ids: TokenArray;
  /** Where window `i` starts in `ids`. */
  start(i: number): number;
}

/**
 * Raschka's `GPTDatasetV1` without copying: window i covers `ids[i·stride, i·stride + maxLength)`
 * and its targets start one later, for every start with `start + maxLength < ids.length`.
 * Windows are views of one typed array.
 */
export class SlidingWindowDataset implements WindowDataset {
  readonly ids: TokenArray;
  readonly maxLength: number;
  readonly stride: number;
  readonly length: number;

  constructor(ids: ArrayLike<number>, options: SlidingWindowOptions) {
    const { maxLength, stride = options.maxLength } = options;
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new RangeError(`SlidingWindowDataset: maxLength must be a positive integer, got ${maxLength}.`);
    }
    if (!Number.isInteger(stride) || stride < 1) {
      throw new RangeError(`SlidingWindowDataset: stride must be a positive integer (1 = every position), got ${stride}.`);
    }
    this.ids = toTokenArray(ids);
    if (this.ids.length < maxLength + 1) {
      throw new RangeError(
        `SlidingWindowDataset: the text has ${this.ids.length} tokens, but one window needs maxLength + 1 = ` +
          `${maxLength + 1} (inputs plus the shifted target); use a longer text or a smaller maxLength.`,
      );
    }
    this.maxLength = maxLength;
    this.stride = stride;
    this.length = Math.floor((this.ids.length - maxLength - 1) / stride) + 1;
  }

  start(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`SlidingWindowDataset: index ${i} is out of range [0, ${this.length}).`);
    }
    return i * this.stride;
  }

  /** Window `i` as views (no copy). */
  get(i: number): Window {
    const s = this.start(i);
    return { input: this.ids.subarray(s, s + this.maxLength), target: this.ids.subarray(s + 1, s + 1 + this.maxLength) };
  }

  *[Symbol.iterator](): IterableIterator<Window> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}
