import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import './setup';
import { batchMatMul } from './batch-matmul';
import { SeededRandom } from '@scratchgpt/data';
import { randn } from './random';

const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)));

/** Value and gradients of `sum(w ⊙ mm(a, b))`, with w random so every entry of dy differs. */
function valueAndGrads(mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, aShape: number[], bShape: number[], outShape: number[]) {
  const size = (s: number[]) => s.reduce((n, d) => n * d, 1);
  const [a, b, w] = [
    randn(new SeededRandom(1), size(aShape), 1),
    randn(new SeededRandom(2), size(bShape), 1),
    randn(new SeededRandom(3), size(outShape), 1),
  ];
  return tf.tidy(() => {
    const [ta, tb, tw] = [tf.tensor(a, aShape), tf.tensor(b, bShape), tf.tensor(w, outShape)];
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tw, mm(x, y))))([ta, tb]);
    return { value: mm(ta, tb).dataSync(), ga: ga!.dataSync(), gb: gb!.dataSync() };
  });
}

describe('batchMatMul', () => {
  const cases: Array<[string, number[], number[], number[], boolean]> = [
    ['(G, M, K) × (G, K, N)', [5, 7, 3], [5, 3, 4], [5, 7, 4], false],
    ['(B, nh, T, hs) × (B, nh, hs, T)', [2, 3, 6, 4], [2, 3, 4, 6], [2, 3, 6, 6], false],
    ['slices big enough for the per-slice path on wasm, 3 × (40, 32) × (32, 40)', [3, 40, 32], [3, 32, 40], [3, 40, 40], false],
    ['transposeB, small: (B, nh, T, hs) × (B, nh, T, hs)ᵀ', [2, 3, 6, 4], [2, 3, 6, 4], [2, 3, 6, 6], true],
    ['transposeB, per-slice path on wasm: (2, 2, 40, 32) × (2, 2, 40, 32)ᵀ', [2, 2, 40, 32], [2, 2, 40, 32], [2, 2, 40, 40], true],
  ];
  for (const backend of ['cpu', 'wasm']) {
    for (const [name, aShape, bShape, outShape, transposeB] of cases) {
      it(`equals tf.matMul in value and both gradients on ${backend}, ${name} (1e-5)`, async () => {
        expect(await tf.setBackend(backend)).toBe(true);
        const before = tf.memory().numTensors;
        const ours = valueAndGrads((x, y) => batchMatMul(x, y, transposeB), aShape, bShape, outShape);
        const reference = valueAndGrads((x, y) => tf.matMul(x, y, false, transposeB), aShape, bShape, outShape);
        expect(maxDiff(ours.value, reference.value)).toBeLessThan(1e-5);
        expect(maxDiff(ours.ga, reference.ga)).toBeLessThan(1e-5);
        expect(maxDiff(ours.gb, reference.gb)).toBeLessThan(1e-5);
        expect(Math.max(...Array.from(ours.gb, Math.abs))).toBeGreaterThan(0.1); // not trivially zero
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('keeps NaN and infinities where they arise, as tf.matMul does (wasm)', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const n = 32; // 32³ multiply-adds per slice: the per-slice path
    const a = tf.tensor3d(
      Float32Array.from({ length: 2 * n * n }, (_, i) => (i === 0 ? NaN : i === n * n ? Infinity : (i % 7) - 3)),
      [2, n, n],
    );
    const b = tf.tensor3d(
      Float32Array.from({ length: 2 * n * n }, (_, i) => (i % 5) - 2),
      [2, n, n],
    );
    const ours = Array.from(batchMatMul(a, b).dataSync());
    expect(ours.map(String)).toEqual(Array.from(tf.matMul(a, b).dataSync()).map(String));
    expect(Number.isNaN(ours[0])).toBe(true);
    tf.dispose([a, b]);
  });

  it('refuses operands whose shapes do not multiply', () => {
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 6]))).toThrow(
      /batchMatMul: expected \(\.\.\., M, K\) × \(\.\.\., K, N\).*\(2, 3, 4\) × \(2, 5, 6\)/,
    );
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 6]))).toThrow(/same leading axes/);
    expect(() => batchMatMul(tf.zeros([3, 4]), tf.zeros([4, 6]))).toThrow(/batchMatMul/);
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 4, 6]), true)).toThrow(/\(\.\.\., N, K\)ᵀ.*\(2, 3, 4\) × \(2, 4, 6\)/);
  });
});
