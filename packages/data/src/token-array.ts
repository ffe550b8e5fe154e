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

/** Splits ids into the first `fraction` for training and the rest for validation (views, no copy). */
export function trainValSplit(ids: ArrayLike<number>, fraction = 0.9): { train: TokenArray; val: TokenArray } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`trainValSplit: fraction must be between 0 and 1 (exclusive), got ${fraction}.`);
  }
  const all = toTokenArray(ids);
  if (all.length === 0) throw new Error('trainValSplit: the corpus is empty; encode some text first.');
  const n = Math.floor(all.length * fraction); // as nanoGPT: int(0.9 * len(data))
  return { train: all.subarray(0, n), val: all.subarray(n) };
}
