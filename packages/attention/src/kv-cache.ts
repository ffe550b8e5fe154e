import * as tf from '@tensorflow/tfjs-core';

/**
 * Keys and values of the positions seen so far, for one attention layer, so generation feeds one
 * new token per step instead of the whole context. Variants keep one (key, value) pair per slot
 * (one slot for fused attention, one per head for the wrapper), each `[..., T, headSize]`.
 */
export class KVCache {
  /** Positions cached. */
  length = 0;
  private readonly keys: tf.Tensor[] = [];
  private readonly values: tf.Tensor[] = [];

  /** Appends new keys and values `[..., Tnew, hs]` to `slot`; returns all of them `[..., length + Tnew, hs]`. */
  append(slot: number, k: tf.Tensor, v: tf.Tensor): { k: tf.Tensor; v: tf.Tensor } {
    const oldK = this.keys[slot];
    const oldV = this.values[slot];
    const axis = k.rank - 2;
    const allK = tf.keep(oldK ? tf.concat([oldK, k], axis) : tf.clone(k));
    const allV = tf.keep(oldV ? tf.concat([oldV, v], axis) : tf.clone(v));
    oldK?.dispose();
    oldV?.dispose();
    this.keys[slot] = allK;
    this.values[slot] = allV;
    return { k: allK, v: allV };
  }

  /** Marks `n` more positions as cached (after every slot was appended). */
  advance(n: number): void {
    this.length += n;
  }

  dispose(): void {
    tf.dispose([...this.keys, ...this.values]);
    this.keys.length = 0;
    this.values.length = 0;
    this.length = 0;
  }
}
