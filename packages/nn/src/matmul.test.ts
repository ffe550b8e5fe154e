import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import './setup';
import { matMul2d } from './matmul';
import { SeededRandom } from '@scratchgpt/data';
import { randn } from './random';

const rng = new SeededRandom(7);
const [N, K, M] = [33, 20, 17];
const a = randn(rng, N * K, 1);
const b = randn(rng, K * M, 1);
const w = randn(rng, N * M, 1); // weights of the scalar loss sum(w ⊙ a·b), so every entry of dy differs

/** Value and gradients of `sum(w ⊙ mm(a, b))` with respect to `a` and `b`, as plain arrays. */
function valueAndGrads(mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) {
  return tf.tidy(() => {
    const [ta, tb, tw] = [tf.tensor2d(a, [N, K]), tf.tensor2d(b, [K, M]), tf.tensor2d(w, [N, M])];
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tw, mm(x as tf.Tensor2D, y as tf.Tensor2D)));
    const [ga, gb] = tf.grads(f)([ta, tb]);
    return { value: Array.from(mm(ta, tb).dataSync()), ga: Array.from(ga!.dataSync()), gb: Array.from(gb!.dataSync()) };
  });
}

const maxDiff = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));

describe('matMul2d', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`equals tf.matMul in value and in both gradients on ${backend} (1e-5)`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const before = tf.memory().numTensors;
      const ours = valueAndGrads(matMul2d);
      const reference = valueAndGrads((x, y) => tf.matMul(x, y));
      expect(maxDiff(ours.value, reference.value)).toBeLessThan(1e-5);
      expect(maxDiff(ours.ga, reference.ga)).toBeLessThan(1e-5);
      expect(maxDiff(ours.gb, reference.gb)).toBeLessThan(1e-5);
      expect(Math.max(...ours.ga.map(Math.abs))).toBeGreaterThan(0.1); // the gradients are not trivially zero
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('gives gradients to variables (what training uses)', async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    const v = tf.variable(tf.tensor2d(b, [K, M]));
    const x = tf.tensor2d(a, [N, K]);
    const { grads } = tf.variableGrads(() => tf.sum(matMul2d(x, v)) as tf.Scalar, [v]);
    const expected = tf.matMul(x, tf.ones([N, M]), true, false); // xᵀ · 1
    expect(maxDiff(Array.from(grads[v.name]!.dataSync()), Array.from(expected.dataSync()))).toBeLessThan(1e-4);
    tf.dispose([v, x, expected, ...Object.values(grads)]);
  });

  it('refuses operands that are not (N, K) × (K, M)', () => {
    expect(() => matMul2d(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(/expected \(N, K\) × \(K, M\), got \(2, 3\) × \(4, 5\)/);
    expect(() => matMul2d(tf.zeros([2, 2, 3]), tf.zeros([3, 5]))).toThrow(/matMul2d/);
  });
});

describe('products outside a gradient', () => {
  it('are the plain op alone: no custom-gradient scope, no transpose (a decoding step pays for nothing else)', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const [x, v] = [tf.tensor2d(a.subarray(0, K), [1, K]), tf.variable(tf.tensor2d(b, [K, M]))];
    const { kernels } = await tf.profile(() => matMul2d(x, v).dispose());
    expect(kernels.map((k) => k.name)).toEqual(['BatchMatMul']);
    const { grads } = tf.variableGrads(() => tf.sum(matMul2d(x, v)) as tf.Scalar, [v]); // inside a gradient: the fast backward
    expect(grads[v.name]!.shape).toEqual([K, M]);
    tf.dispose([x, v, ...Object.values(grads)]);
  });
});
