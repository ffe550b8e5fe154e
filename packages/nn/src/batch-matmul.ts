/**
 * `batchMatMul(a, b)`: batched products `(..., M, K) × (..., K, N)` (attention's `q·kᵀ` and
 * `weights·v`), run on the wasm backend as one plain 2-D product per slice, forward and backward.
 *
 * Why: the wasm backend runs batched `matMul` at about 1–2 GFLOP/s whatever the transposes, but a
 * plain 2-D product at 9–24 GFLOP/s (measured here: 48 slices of 64×32×64 take 1.4 ms as 2-D
 * products against 6.8 ms batched; 24 slices of 256×64×256, 8 ms against 175 ms). Its `Slice` kernel
 * is slow too, so the slices are copied out of one read of each operand in JavaScript and the
 * results written into one output array. The gradient (`dA = dy·bᵀ`, `dB = aᵀ·dy`) is two more
 * batched products of explicitly transposed operands, so it takes the same path.
 *
 * Other backends (cpu, webgl, webgpu, tensorflow), and slices too small to pay for the copies
 * (a decoding step's one query row), get tfjs's own batched `matMul`; values equal it to float
 * rounding either way (tested). Reading the operands (`dataSync`) is the one synchronous read on a
 * training path, and it happens on wasm only, whose tensors live in CPU memory.
 *
 * Non-goals: broadcasting of leading dimensions, and transposed operands (transpose first).
 */
import * as tf from '@tensorflow/tfjs-core';
import { recordingGradients } from './matmul';

/**
 * Whether a product goes slice by slice: on wasm only (tensors in CPU memory, batching slow), and
 * only when each slice has work enough to pay for its copies and its kernel call (a decoding step's
 * single query row does not: there the batched form is faster).
 */
const MIN_SLICE_WORK = 1 << 15; // M·K·N multiply-adds; training slices are ≥ 2^17, decoding ones ≤ 2^14
const perSlice = (M: number, K: number, N: number): boolean => tf.getBackend() === 'wasm' && M * K * N >= MIN_SLICE_WORK;

/** `(G, M, K) × (G, K, N)` as G 2-D products, from one read of each operand (no gradient of its own). */
function slicedMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [G, M, K] = a.shape;
  const N = b.shape[2];
  const [ad, bd] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
  const out = new Float32Array(G * M * N);
  for (let g = 0; g < G; g++) {
    const part = tf.tidy(() =>
      tf.matMul(tf.tensor2d(ad.subarray(g * M * K, (g + 1) * M * K), [M, K]), tf.tensor2d(bd.subarray(g * K * N, (g + 1) * K * N), [K, N])),
    ); // (M, N)
    out.set(part.dataSync() as Float32Array, g * M * N);
    part.dispose();
  }
  return tf.tensor3d(out, [G, M, N]);
}

const fastBatchMatMul = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: slicedMatMul(a, b), // (G, M, N)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      return [
        slicedMatMul(dy as tf.Tensor3D, tf.transpose(sb, [0, 2, 1])), // dA = dy·bᵀ: (G, M, N) × (G, N, K), the same work per slice
        slicedMatMul(tf.transpose(sa, [0, 2, 1]), dy as tf.Tensor3D), // dB = aᵀ·dy: (G, K, M) × (G, M, N)
      ];
    },
  };
});

/**
 * `a · b` over the last two axes, for `a` `(..., M, K)` and `b` `(..., K, N)` (or `(..., N, K)`
 * with `transposeB`, as attention's `q·kᵀ`) with the same leading axes; returns `(..., M, N)`.
 * Forward and backward run as plain 2-D products on wasm.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  const lead = a.shape.slice(0, -2);
  const [M, K] = [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [bK, N] = transposeB ? [b.shape[b.rank - 1]!, b.shape[b.rank - 2]!] : [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  if (a.rank < 3 || b.rank !== a.rank || b.shape.slice(0, -2).join() !== lead.join() || K !== bK) {
    const expected = transposeB ? '(..., M, K) × (..., N, K)ᵀ' : '(..., M, K) × (..., K, N)';
    throw new Error(`batchMatMul: expected ${expected} with the same leading axes, got (${a.shape.join(', ')}) × (${b.shape.join(', ')}).`);
  }
  if (!perSlice(M, K, N)) return tf.matMul(a, b, false, transposeB); // tfjs's batched product and gradient, no copies
  return tf.tidy(() => {
    const G = lead.reduce((n, d) => n * d, 1);
    const b3 = transposeB ? tf.transpose(tf.reshape(b, [G, N, K]), [0, 2, 1]) : tf.reshape(b, [G, K, N]); // (G, K, N): the per-slice products take plain operands
    const a3 = tf.reshape(a, [G, M, K]) as tf.Tensor3D;
    const y = recordingGradients() ? fastBatchMatMul(a3, b3) : slicedMatMul(a3, b3 as tf.Tensor3D); // (G, M, N)
    return tf.reshape(y, [...lead, M, N]);
  });
}
