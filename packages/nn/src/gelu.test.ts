/**
 * GELU's fused WebGPU kernels against the composite reference (values and gradients, on lavapipe:
 * tiny tensors), their dispatch counts, and the fallback to the reference on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendHasKernel } from './fused';
import { gelu, GeluKernel, geluTanh } from './gelu';
import { gpuWork } from './webgpu/device';
import { compareFused, useWebGPU } from './webgpu/testing';
import './setup';

/** Dispatches of `f`'s forward pass, and of its backward pass (given dy: nothing else runs). */
function dispatches(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): { forward: number; backward: number } {
  const dy = tf.onesLike(x);
  gpuWork(true);
  tf.dispose(f(x));
  const forward = gpuWork(true).dispatches;
  tf.dispose(tf.grads((xi: tf.Tensor) => f(xi))([x], dy));
  const total = gpuWork(true).dispatches;
  dy.dispose();
  return { forward, backward: total - forward };
}

describe('gelu on webgpu (fused kernels) equals the reference', () => {
  beforeAll(useWebGPU);

  it.each([
    ['a vector, 5 elements', [5]],
    ['(2, 3, 40): not a multiple of 64', [2, 3, 40]],
    ['(7, 150)', [7, 150]],
  ] as const)('%s', async (_, shape) => {
    expect(backendHasKernel(GeluKernel)).toBe(true);
    const x = tf.mul(tf.randomNormal([...shape], 0, 1, 'float32', 1), 3); // spans the curve's bend and both tails
    const { value, grads } = await compareFused((fused, xi) => gelu(xi!, { fused }), [x]);
    expect(value).toBeLessThan(1e-5);
    expect(grads[0]).toBeLessThan(1e-5);
    x.dispose();
  });

  it('has the values of PyTorch nn.GELU()', async () => {
    const y = gelu(tf.tensor1d([-3, -1, 0, 1, 2]));
    const expected = [-0.00404969, -0.15865526, 0, 0.84134474, 1.95449972];
    for (const [i, v] of (await y.data()).entries()) expect(v).toBeCloseTo(expected[i]!, 6);
    y.dispose();
  });

  it('is one dispatch forward and one backward, against several for the reference', () => {
    const x = tf.randomNormal([4, 33]);
    const fused = dispatches((xi) => gelu(xi), x);
    const reference = dispatches((xi) => gelu(xi, { fused: false }), x);
    expect(fused).toEqual({ forward: 1, backward: 1 });
    expect(reference.forward).toBeGreaterThan(3);
    expect(reference.backward).toBeGreaterThan(3);
    console.log(`gelu dispatches: fused ${JSON.stringify(fused)}, reference ${JSON.stringify(reference)}`);
    x.dispose();
  });
});

describe('gelu elsewhere', () => {
  it('is the reference on a backend without the kernel (cpu)', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(GeluKernel)).toBe(false);
    const x = tf.tensor1d([-2, -0.5, 0, 0.7, 3]);
    const [a, b] = [gelu(x), gelu(x, { fused: false })];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect((await a.data())[3]).toBeCloseTo(0.530625, 5);
    tf.dispose([x, a, b]);
  });
});

describe('geluTanh (GPT-2 and Hugging Face gelu_new)', () => {
  beforeAll(async () => void (await tf.setBackend('cpu')));
  const xs = [-6, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.3, 1, 2.5, 6];
  /** The formula in float64: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
  const reference = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

  it("gives the tanh form's values (1e-6), not the exact form's", async () => {
    const x = tf.tensor1d(xs);
    const [tanhForm, exact] = await Promise.all([geluTanh(x).data(), gelu(x, { fused: false }).data()]);
    for (const [i, v] of xs.entries()) expect(Math.abs(tanhForm[i]! - reference(v))).toBeLessThan(1e-6);
    const gap = Math.max(...xs.map((_, i) => Math.abs(tanhForm[i]! - exact[i]!)));
    expect(gap).toBeGreaterThan(1e-4); // the two forms differ (up to about 5e-4, near |x| = 2)
    expect(gap).toBeLessThan(1e-3);
    x.dispose();
  });

  it('has the derivative of its formula (central differences, 1e-3)', async () => {
    const x = tf.tensor1d(xs);
    const grad = await tf
      .grad((t: tf.Tensor) => tf.sum(geluTanh(t)))(x)
      .data();
    const h = 1e-4;
    for (const [i, v] of xs.entries()) expect(Math.abs(grad[i]! - (reference(v + h) - reference(v - h)) / (2 * h))).toBeLessThan(1e-3);
    x.dispose();
  });
});
