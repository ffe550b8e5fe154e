/**
 * The fused sum of squares (a global gradient norm) against its reference on webgpu (lavapipe):
 * lists longer than one dispatch binds, sizes that are no multiple of a workgroup, a tensor cut
 * into many workgroups, and the dispatches; on cpu, the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { backendHasKernel, gpuWork, webgpuAdapter } from '@scratchgpt/nn';
import { useWebGPU } from '@scratchgpt/nn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumOfSquares } from '../train-step';
import { SumOfSquaresKernel } from './sum-squares';

/** `count` tensors of odd sizes and ranks 1 to 3, the first one large (cut into many workgroups). */
function tensors(count: number, seed = 0): tf.Tensor[] {
  return Array.from({ length: count }, (_, i) => {
    const shape = i === 0 ? [300_007] : i % 3 === 0 ? [i + 2, 13] : i % 3 === 1 ? [3 * i + 1] : [2, i, 5];
    return tf.randomNormal(shape, 0, 1 + (i % 4), 'float32', seed + i);
  });
}

async function value(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

describe('sumOfSquares on webgpu (fused kernel) equals the reference', () => {
  beforeAll(useWebGPU);
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([1, 2, 7, 15, 16, 40])('%i tensors', async (count) => {
    expect(backendHasKernel(SumOfSquaresKernel)).toBe(true);
    const xs = tensors(count);
    const fused = await value(sumOfSquares(xs));
    const reference = await value(sumOfSquares(xs, { fused: false }));
    let exact = 0; // in double precision
    for (const x of xs) for (const v of await x.data()) exact += v * v;
    expect(Math.abs(fused - reference) / reference).toBeLessThan(1e-6);
    expect(Math.abs(fused - exact) / exact).toBeLessThan(1e-6);
    tf.dispose(xs);
  });

  it('keeps a NaN or an infinity (a step that must not be applied) and skips empty tensors', async () => {
    const [a, b] = [tf.ones([70]), tf.zeros([0])];
    expect(await value(sumOfSquares([a, b]))).toBe(70);
    const nan = tf.tensor1d([1, Number.NaN, 2]);
    const big = tf.tensor1d([3e38, 1]); // its square overflows
    expect(await value(sumOfSquares([a, nan]))).toBeNaN();
    expect(await value(sumOfSquares([big, a]))).toBe(Number.POSITIVE_INFINITY);
    tf.dispose([a, b, nan, big]);
  });

  it('is ⌈(P − 1)/(L − 2)⌉ + 1 dispatches for P tensors (L storage buffers), against 2P and more for the reference; no tensor leaks', async () => {
    const P = 40;
    const L = webgpuAdapter()!.maxStorageBuffers;
    const xs = tensors(P, 100);
    tf.dispose([sumOfSquares(xs), sumOfSquares(xs, { fused: false })]); // uploads settle
    const before = tf.memory().numTensors;
    gpuWork(true);
    const fused = sumOfSquares(xs);
    const fusedDispatches = gpuWork(true).dispatches;
    const reference = sumOfSquares(xs, { fused: false });
    const referenceDispatches = gpuWork(true).dispatches;
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(fusedDispatches).toBe(Math.ceil((P - 1) / (L - 2)) + 1);
    expect(referenceDispatches).toBeGreaterThan(2 * P);
    console.log(`sumOfSquares of ${P} tensors, ${L} storage buffers: ${fusedDispatches} dispatches (reference ${referenceDispatches})`);
    const [f, r] = [await value(fused), await value(reference)];
    expect(Math.abs(f - r) / r).toBeLessThan(1e-6);
    tf.dispose(xs);
  });
});

describe('sumOfSquares elsewhere', () => {
  it('is the reference on a backend without the kernel (cpu): fused or not, the same number', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(SumOfSquaresKernel)).toBe(false);
    const xs = tensors(9);
    const expected = await value(tf.tidy(() => tf.addN(xs.map((x) => tf.sum(tf.square(x))))));
    expect(await value(sumOfSquares(xs))).toBe(expected);
    expect(await value(sumOfSquares(xs, { fused: false }))).toBe(expected);
    tf.dispose(xs);
  });
});
