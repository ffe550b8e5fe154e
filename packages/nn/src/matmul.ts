/**
 * `matMul2d(a, b)`: a 2-D matrix product whose gradient also uses only plain 2-D products.
 *
 * tfjs's own gradient of `matMul` multiplies by transposed operands (`dy·bᵀ`, `aᵀ·dy`), and the
 * wasm backend runs those transposed forms about 10x slower than the plain form (measured: 410 ms
 * against 16 ms for the same (768, 512) × (512, 128) product). Here the operands are transposed
 * explicitly (a cheap 2-D copy) and then multiplied plainly, so forward and backward both take the
 * fast path. The values are the same products, so results equal tfjs's to float rounding (tested).
 *
 * When no gradient is being recorded (generation, evaluation) it is the plain op: no
 * custom-gradient wrapper, whose bookkeeping costs more than a decoding step's one-row product.
 * On GPU backends (webgpu, webgl) and native TensorFlow it is the plain op too: their product
 * kernels read transposed operands in place, so explicit transposes would only add dispatches.
 *
 * Scope: rank-2 operands only; batched products (attention) are not handled here.
 */
import * as tf from '@tensorflow/tfjs-core';

const fastMatMul = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), // (N, out)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), // dA = dy·bᵀ: (N, out) × (out, in)
        tf.matMul(tf.transpose(sa), dy as tf.Tensor2D), // dB = aᵀ·dy: (in, N) × (N, out)
      ];
    },
  };
});

/** The backends whose transposed products are slow enough that explicit transposes pay. */
const TRANSPOSE_COPIES_PAY = new Set(['wasm', 'cpu']);

/** `a · b` for `a` (N, K) and `b` (K, M), with a backward pass of plain 2-D products only. */
export function matMul2d(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul2d: expected (N, K) × (K, M), got (${a.shape.join(', ')}) × (${b.shape.join(', ')}).`);
  }
  if (!recordingGradients() || !TRANSPOSE_COPIES_PAY.has(tf.getBackend())) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  return fastMatMul(a, b) as tf.Tensor2D;
}

/** Whether a gradient tape is recording (inside `tf.grad`, `tf.variableGrads`, …). */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
