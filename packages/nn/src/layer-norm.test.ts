import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendHasKernel } from './fused';
import { gpuWork } from './webgpu/device';
import { compareFused, useWebGPU } from './webgpu/testing';
import { layerNorm, LayerNormKernel } from './layer-norm';
import './setup';

describe('layerNorm on webgpu (fused kernels) equals the reference', () => {
  beforeAll(useWebGPU);

  it.each([
    ['a few rows, C < 64, with bias', [2, 3, 40], true],
    ['rows over a workgroup, C not a multiple of 64, no bias', [130, 97], false],
    ['one row, C = 384', [1, 384], true],
  ] as const)('%s', async (_, shape, withBias) => {
    expect(backendHasKernel(LayerNormKernel)).toBe(true);
    const C = shape[shape.length - 1]!;
    const x = tf.add(tf.mul(tf.randomNormal([...shape], 0, 1, 'float32', 1), 3), 0.5);
    const w = tf.randomNormal([C], 1, 0.2, 'float32', 2);
    const b = tf.randomNormal([C], 0, 0.2, 'float32', 3);
    const f = (fused: boolean, xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => layerNorm(xi, wi, bi ?? null, 1e-5, { fused });
    const { value, grads } = await compareFused(f, withBias ? [x, w, b] : [x, w]);
    expect(value).toBeLessThan(1e-5);
    expect(grads[0]).toBeLessThan(1e-4); // dx
    expect(grads[1]).toBeLessThan(1e-3); // dweight: a sum over rows
    if (withBias) expect(grads[2]).toBeLessThan(1e-3); // dbias
    tf.dispose([x, w, b]);
  });

  it('runs grids over WebGPU’s 65,535 workgroups (70,000 rows: the backend folds the grid)', async () => {
    const x = tf.randomNormal([70_000, 4], 0, 1, 'float32', 4);
    const w = tf.randomNormal([4], 1, 0.2, 'float32', 5);
    const { value, grads } = await compareFused((fused, xi, wi) => layerNorm(xi, wi, null, 1e-5, { fused }), [x, w]);
    expect(value).toBeLessThan(1e-5);
    expect(grads[0]).toBeLessThan(1e-4);
    expect(grads[1]).toBeLessThan(5e-3); // a sum over 70,000 rows in another order
    tf.dispose([x, w]);
  }, 120_000);

  it('is one dispatch forward, against several for the reference', async () => {
    const x = tf.randomNormal([8, 32]);
    const w = tf.ones([32]);
    gpuWork(true);
    tf.dispose(layerNorm(x, w, null, 1e-5));
    const fused = gpuWork(true).dispatches;
    tf.dispose(layerNorm(x, w, null, 1e-5, { fused: false }));
    const reference = gpuWork(true).dispatches;
    expect(fused).toBe(1);
    expect(reference).toBeGreaterThan(4);
    tf.dispose([x, w]);
  });
});

describe('layerNorm elsewhere', () => {
  it('is the reference on a backend without the kernel (cpu)', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(LayerNormKernel)).toBe(false);
    const y = layerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]), null, 1e-5);
    const v = await y.data();
    expect(v[0]).toBeCloseTo(-1.2247, 3);
  });
});
