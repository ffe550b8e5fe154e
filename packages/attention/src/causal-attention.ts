/** The one definition of causal attention every variant shares, for any leading shape. */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul, type Dropout } from '@scratchgpt/nn';

/**
 * The additive causal mask for `tq` queries at positions `tk - tq … tk - 1` against `tk` keys:
 * 0 where the key is at or before the query, -1e9 after it. `[tq, tk]`.
 */
export function causalMask(tq: number, tk: number): tf.Tensor2D {
  const offset = tk - tq;
  const mask = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = offset + i + 1; j < tk; j++) mask[i * tk + j] = -1e9;
  return tf.tensor2d(mask, [tq, tk]);
}

/** Options of {@link causalAttention}. */
export interface CausalAttentionOptions {
  /** Dropout on the attention weights (its `p` and its generator of masks). */
  dropout: Dropout;
  /** Apply the dropout. */
  training: boolean;
  /** Sees the weights `(..., T, Tk)` before dropout. */
  onWeights?: (w: tf.Tensor) => void;
  /**
   * Multiply with `batchMatMul` (on wasm, one plain 2-D product per slice, forward and backward);
   * `false`: tfjs's batched `matMul` and its gradient, the reference. Default `true`.
   */
  fastPaths?: boolean;
}

/**
 * `softmax(q·kᵀ / √hs + mask) · v` with dropout on the weights: `q` `(..., T, hs)` against `k`, `v`
 * `(..., Tk, hs)`, where the T queries are the last T of the Tk positions. Returns `(..., T, hs)`.
 */
export function causalAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: CausalAttentionOptions): tf.Tensor {
  const { dropout, training, onWeights, fastPaths = true } = options;
  return tf.tidy(() => {
    const [tq, tk, hs] = [q.shape[q.rank - 2]!, k.shape[k.rank - 2]!, q.shape[q.rank - 1]!];
    const raw = fastPaths ? batchMatMul(q, k, true) : tf.matMul(q, k, false, true); // (..., T, Tk)
    const scores = tf.mul(raw, 1 / Math.sqrt(hs)); // (..., T, Tk)
    const weights = tf.softmax(tq === 1 ? scores : tf.add(scores, causalMask(tq, tk))); // (..., T, Tk); one query (decoding) is the last position: it sees every key
    onWeights?.(weights);
    const dropped = dropout.forward(weights, training); // (..., T, Tk)
    return fastPaths ? batchMatMul(dropped, v) : tf.matMul(dropped, v); // (..., T, hs)
  });
}
