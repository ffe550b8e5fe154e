/**
 * Softmax cross-entropy's fused WebGPU kernels against the reference (logSoftmax + gather): per-row
 * losses and dlogits, V not a multiple of the workgroup, logits of ±50; dispatch counts; and the
 * fallback to the reference on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, CrossEntropyKernel, crossEntropyReference } from './cross-entropy';
import { backendHasKernel } from './fused';
import { gpuWork } from './webgpu/device';
import { compareFused, maxAbsDiff, useWebGPU } from './webgpu/testing';
import './setup';

/** Logits (N, V) of scale `scale` and targets (N) in [0, V), seeded. */
function batch(N: number, V: number, scale: number, seed: number): [tf.Tensor2D, tf.Tensor1D] {
  const logits = tf.mul(tf.randomNormal([N, V], 0, 1, 'float32', seed), scale) as tf.Tensor2D;
  const targets = tf.randomUniform([N], 0, V, 'int32', seed + 1) as tf.Tensor1D;
  return [logits, targets];
}

describe('crossEntropy on webgpu (fused kernels) equals the reference', () => {
  beforeAll(useWebGPU);

  it.each([
    ['V = 65, 3 rows', 3, 65, 2],
    ['V = 1000, 5 rows', 5, 1000, 2],
    ['V = 7 (under a workgroup), 2 rows', 2, 7, 1],
  ] as const)('%s', async (_, N, V, scale) => {
    expect(backendHasKernel(CrossEntropyKernel)).toBe(true);
    const [logits, targets] = batch(N, V, scale, 1);
    const { value, grads } = await compareFused((fused, l) => crossEntropy(l!, targets, { fused }), [logits]);
    expect(value).toBeLessThan(1e-5);
    expect(grads[0]).toBeLessThan(1e-5);
    tf.dispose([logits, targets]);
  });

  it('is stable with logits of ±50', async () => {
    // Row 0: its target the max (loss ≈ 0); row 1: its target at −50 (loss ≈ 100); rows 2–3: random ±50.
    const V = 97;
    const big = tf.tidy(() => {
      const rows = tf.buffer([2, V]);
      for (let v = 0; v < V; v++) {
        rows.set(v === 3 ? 50 : -50, 0, v);
        rows.set(v === 5 ? -50 : 50, 1, v);
      }
      const random = tf.mul(tf.sub(tf.randomUniform([2, V], 0, 1, 'float32', 9), 0.5), 100);
      return tf.concat([rows.toTensor(), random]) as tf.Tensor2D;
    });
    const targets = tf.tensor1d([3, 5, 10, 96], 'int32');
    const fused = crossEntropy(big, targets);
    const reference = crossEntropyReference(big, targets);
    const values = await fused.data();
    expect(Array.from(values).every(Number.isFinite)).toBe(true);
    expect(values[1]).toBeCloseTo(100 + Math.log(V - 1), 3);
    expect(await maxAbsDiff(fused, reference)).toBeLessThan(1e-4); // losses of ~100: float32 spacing there is 7.6e-6
    const { grads } = await compareFused((f, l) => crossEntropy(l!, targets, { fused: f }), [big]);
    expect(grads[0]).toBeLessThan(1e-5);
    tf.dispose([big, targets, fused, reference]);
  });

  it('is one dispatch forward and one backward, against several for the reference', () => {
    const [logits, targets] = batch(4, 65, 1, 3);
    const dy = tf.ones([4]);
    const count = (fused: boolean) => {
      gpuWork(true);
      tf.dispose(crossEntropy(logits, targets, { fused }));
      const forward = gpuWork(true).dispatches;
      tf.dispose(tf.grads((l: tf.Tensor) => crossEntropy(l, targets, { fused }))([logits], dy));
      return { forward, backward: gpuWork(true).dispatches - forward };
    };
    const fused = count(true);
    const reference = count(false);
    expect(fused).toEqual({ forward: 1, backward: 1 });
    expect(reference.forward).toBeGreaterThan(4);
    expect(reference.backward).toBeGreaterThan(4);
    console.log(`crossEntropy dispatches: fused ${JSON.stringify(fused)}, reference ${JSON.stringify(reference)}`);
    tf.dispose([logits, targets, dy]);
  });
});

describe('crossEntropy elsewhere', () => {
  it('is the reference on a backend without the kernel (cpu)', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(CrossEntropyKernel)).toBe(false);
    const logits = tf.tensor2d([
      [0, 0, 0, 0],
      [1, 2, 3, 4],
    ]);
    const targets = tf.tensor1d([2, 3], 'int32');
    const [a, b] = [crossEntropy(logits, targets), crossEntropyReference(logits, targets)];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const v = await a.data();
    expect(v[0]).toBeCloseTo(Math.log(4), 5);
    expect(v[1]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4)) - 4, 5);
    tf.dispose([logits, targets, a, b]);
  });
});
