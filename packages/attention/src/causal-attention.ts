/** The one definition of causal attention every variant shares, for any leading shape. */
import * as tf from '@tensorflow/tfjs-core';
import type { Dropout } from '@scratchgpt/nn';

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

/**
 * `softmax(q·kᵀ / √hs + mask) · v` with dropout on the weights: `q` `(..., T, hs)` against `k`, `v`
 * `(..., Tk, hs)`, where the T queries are the last T of the Tk positions. Returns `(..., T, hs)`;
 * `onWeights` sees the weights `(..., T, Tk)` before dropout.
 */
export function causalAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, dropout: Dropout, training: boolean, onWeights?: (w: tf.Tensor) => void): tf.Tensor {
  return tf.tidy(() => {
    const [tq, tk, hs] = [q.shape[q.rank - 2]!, k.shape[k.rank - 2]!, q.shape[q.rank - 1]!];
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)); // (..., T, Tk)
    const weights = tf.softmax(tf.add(scores, causalMask(tq, tk))); // (..., T, Tk)
    onWeights?.(weights);
    return tf.matMul(dropout.forward(weights, training), v); // (..., T, hs)
  });
}
