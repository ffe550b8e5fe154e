/**
 * Token arrays, and the one train/val split every part of scratchgpt uses: the first 90% train,
 * the rest is held out (nanoGPT's `prepare.py`). It cuts text (before tokenizing, so every
 * tokenizer is measured on the same val characters) and id arrays alike.
 */

/** A sequence of token ids: a plain array, or a typed array as stored by the token cache. */
export type TokenArray = Int32Array | Uint16Array | Uint32Array;

/** Keeps a typed array as it is (no copy) and turns a plain array into an Int32Array. */
export function toTokenArray(ids: ArrayLike<number>): TokenArray {
  if (ids instanceof Int32Array || ids instanceof Uint16Array || ids instanceof Uint32Array) return ids;
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new RangeError(`token ids must be non-negative integers; got ${id} at index ${i}.`);
    }
    out[i] = id;
  }
  return out;
}

/**
 * Throws a RangeError naming the first id of `ids` outside `[0, vocabSize)`: what a model's
 * embedding and loss need, checked once on the data rather than on every batch.
 */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, what = 'the data'): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < vocabSize) || !Number.isInteger(id)) {
      throw new RangeError(
        `${what} has token id ${id} at index ${i}, outside the model's vocabulary [0, ${vocabSize}); encode it with the tokenizer the model was built for.`,
      );
    }
  }
}

/** The share of a corpus that trains; the rest is the val split (nanoGPT's 90/10). */
export const TRAIN_FRACTION = 0.9;

/** Where the train part of `length` items ends: `floor(fraction · length)`, as nanoGPT's `int(0.9 * n)`. */
export function splitPoint(length: number, fraction = TRAIN_FRACTION): number {
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`trainValSplit: fraction must be between 0 and 1 (exclusive), got ${fraction}.`);
  }
  return Math.floor(length * fraction);
}

/**
 * Splits a corpus into its first `fraction` for training and the rest for validation. Text is cut
 * by characters (never inside a surrogate pair) and returned as strings; ids are returned as
 * views of one typed array (no copy).
 */
export function trainValSplit(corpus: string, fraction?: number): { train: string; val: string };
export function trainValSplit(corpus: ArrayLike<number>, fraction?: number): { train: TokenArray; val: TokenArray };
export function trainValSplit(
  corpus: string | ArrayLike<number>,
  fraction = TRAIN_FRACTION,
): { train: string | TokenArray; val: string | TokenArray } {
  if (corpus.length === 0) throw new Error('trainValSplit: the corpus is empty; pass some text or ids.');
  let cut = splitPoint(corpus.length, fraction);
  if (typeof corpus === 'string') {
    const code = corpus.charCodeAt(cut);
    if (code >= 0xdc00 && code <= 0xdfff && cut > 0) cut--; // inside a surrogate pair: the whole pair goes to val
    return { train: corpus.slice(0, cut), val: corpus.slice(cut) };
  }
  const all = toTokenArray(corpus);
  return { train: all.subarray(0, cut), val: all.subarray(cut) };
}
