import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { backendHasKernel, gpuWork } from '@scratchgpt/nn';
import { maxAbsDiff, useWebGPU } from '@scratchgpt/nn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, type AdamWState } from './adamw';
import { AdamWUpdateKernel } from './webgpu/adamw';

/** Odd sizes (not multiples of the 64-lane workgroup), ranks 1 to 3; `w` and `k` decay. */
const SHAPES: Array<[string, number[]]> = [
  ['w', [7, 13]],
  ['b', [13]],
  ['k', [3, 5, 67]],
  ['g', [1]],
];
const DECAY = new Set(['w', 'k']);
const LRS = [3e-2, 1e-2, 5e-2, 2e-3];

function makeParams(): Array<[string, tf.Variable]> {
  return SHAPES.map(([name, shape], i) => [name, tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 10 + i))]);
}

function gradients(step: number): Map<string, tf.Tensor> {
  return new Map(SHAPES.map(([name, shape], i) => [name, tf.randomNormal(shape, 0, 0.5, 'float32', 100 * step + i)]));
}

/** max |a − b| / max |b|: rounding differences relative to the tensor's scale. */
async function relDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const max = tf.tidy(() => tf.max(tf.abs(b)));
  const scale = (await max.data())[0]!;
  max.dispose();
  return (await maxAbsDiff(a, b)) / Math.max(scale, 1e-30);
}

async function stateDiff(a: AdamWState, b: AdamWState): Promise<number> {
  expect(a.step).toBe(b.step);
  expect(Object.keys(a.m).sort()).toEqual(Object.keys(b.m).sort());
  let max = 0;
  for (const key of ['m', 'v'] as const) {
    for (const [name, ref] of Object.entries(b[key])) {
      const ours = a[key][name]!;
      expect(ours.length).toBe(ref.length);
      const scale = ref.reduce((s, x) => Math.max(s, Math.abs(x)), 1e-30);
      for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ours[i]! - ref[i]!) / scale);
    }
  }
  return max;
}

describe('AdamW on webgpu (fused kernels) equals the reference', () => {
  beforeAll(useWebGPU);
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('parameters and moments, step after step with a changing lr, decayed or not', async () => {
    expect(backendHasKernel(AdamWUpdateKernel)).toBe(true);
    const [pf, pr] = [makeParams(), makeParams()];
    const options = { lr: 1e-2, betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.1 };
    const fused = new AdamW(pf, DECAY, options);
    const reference = new AdamW(pr, DECAY, { ...options, fused: false });
    for (const [t, lr] of LRS.entries()) {
      const grads = gradients(t);
      if (t === 2) grads.delete('b'); // a parameter without a gradient is left alone
      fused.step(grads, lr);
      reference.step(grads, lr);
      tf.dispose([...grads.values()]);
    }
    for (const [i, [name]] of SHAPES.entries()) {
      const d = await relDiff(pf[i]![1], pr[i]![1]);
      expect(d, name).toBeLessThan(1e-6);
    }
    expect(await stateDiff(await fused.getState(), await reference.getState())).toBeLessThan(1e-6);
    fused.dispose();
    reference.dispose();
    tf.dispose([...pf, ...pr].map(([, p]) => p));
  });

  it('restores a state saved by the reference, and continues as the reference', async () => {
    const [pf, pr] = [makeParams(), makeParams()];
    const reference = new AdamW(pr, DECAY, { fused: false });
    const grads = gradients(0);
    reference.step(grads);
    const fused = new AdamW(pf, DECAY);
    for (const [i, [, p]] of pf.entries()) p.assign(pr[i]![1]);
    fused.setState(await reference.getState());
    fused.step(grads, 7e-3);
    reference.step(grads, 7e-3);
    for (const [i, [name]] of SHAPES.entries()) expect(await relDiff(pf[i]![1], pr[i]![1]), name).toBeLessThan(1e-6);
    expect(await stateDiff(await fused.getState(), await reference.getState())).toBeLessThan(1e-6);
    tf.dispose([...grads.values()]);
    fused.dispose();
    reference.dispose();
    tf.dispose([...pf, ...pr].map(([, p]) => p));
  });

  it('scales the gradients in its kernels (clipping): the values of the reference given tf.mul(g, scale)', async () => {
    const [pf, pr] = [makeParams(), makeParams()];
    const fused = new AdamW(pf, DECAY);
    const reference = new AdamW(pr, DECAY, { fused: false });
    const scaled = (grads: Map<string, tf.Tensor>, scale: number) => new Map([...grads].map(([name, g]) => [name, tf.mul(g, scale)]));
    for (const [t, scale] of [0.37, 1, 1e-3, 0.9].entries()) {
      const grads = gradients(t);
      const clipped = scaled(grads, scale); // what applyGradients gives the reference
      fused.step(grads, LRS[t], scale);
      reference.step(clipped, LRS[t]);
      if (t === 0) {
        // From zero moments, m' = (g·scale)·(1−β1) and v' = (g·scale)²·(1−β2): the same floats.
        const [f, r] = [await fused.getState(), await reference.getState()];
        for (const [name] of SHAPES) {
          expect(Array.from(f.m[name]!), name).toEqual(Array.from(r.m[name]!));
          expect(Array.from(f.v[name]!), name).toEqual(Array.from(r.v[name]!));
        }
      }
      tf.dispose([...grads.values(), ...clipped.values()]);
    }
    for (const [i, [name]] of SHAPES.entries()) expect(await relDiff(pf[i]![1], pr[i]![1]), name).toBeLessThan(1e-6);
    expect(await stateDiff(await fused.getState(), await reference.getState())).toBeLessThan(1e-6);
    fused.dispose();
    reference.dispose();
    tf.dispose([...pf, ...pr].map(([, p]) => p));
  });

  it('is three dispatches per parameter, against about a dozen for the reference; no tensor leaks', () => {
    const [pf, pr] = [makeParams(), makeParams()];
    const fused = new AdamW(pf, DECAY);
    const reference = new AdamW(pr, DECAY, { fused: false });
    const grads = gradients(0);
    // A first step each: uploads and CPU-forwarded small ops settle.
    fused.step(grads);
    reference.step(grads);
    const before = tf.memory().numTensors;
    gpuWork(true);
    fused.step(grads, 2e-2);
    const fusedDispatches = gpuWork(true).dispatches;
    reference.step(grads, 2e-2);
    const referenceDispatches = gpuWork(true).dispatches;
    fused.step(grads, 2e-2, 0.5);
    const fusedScaledDispatches = gpuWork(true).dispatches;
    reference.step(grads, 2e-2, 0.5);
    const referenceScaledDispatches = gpuWork(true).dispatches;
    expect(tf.memory().numTensors).toBe(before);
    expect(fusedDispatches).toBe(3 * SHAPES.length);
    expect(fusedScaledDispatches).toBe(3 * SHAPES.length); // a gradient scale costs the kernels nothing
    // 13 ops a parameter, 14 where it decays; and a scale, one more.
    expect(referenceDispatches).toBe(13 * SHAPES.length + DECAY.size);
    expect(referenceScaledDispatches).toBe(14 * SHAPES.length + DECAY.size);
    tf.dispose([...grads.values()]);
    fused.dispose();
    reference.dispose();
    tf.dispose([...pf, ...pr].map(([, p]) => p));
  });
});

describe('AdamW elsewhere', () => {
  it('is the reference on a backend without the kernels (cpu): fused or not, the same numbers', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(AdamWUpdateKernel)).toBe(false);
    const [pf, pr] = [makeParams(), makeParams()];
    const fused = new AdamW(pf, DECAY);
    const reference = new AdamW(pr, DECAY, { fused: false });
    for (const [t, lr] of LRS.entries()) {
      const grads = gradients(t);
      fused.step(grads, lr);
      reference.step(grads, lr);
      tf.dispose([...grads.values()]);
    }
    for (const [i] of SHAPES.entries()) expect(await maxAbsDiff(pf[i]![1], pr[i]![1])).toBe(0);
    expect(await fused.getState()).toEqual(await reference.getState());
    fused.dispose();
    reference.dispose();
    tf.dispose([...pf, ...pr].map(([, p]) => p));
  });

  it('applies a gradient scale as tf.mul(g, scale) before the step (cpu): the same numbers', async () => {
    await tf.setBackend('cpu');
    const [pa, pb] = [makeParams(), makeParams()];
    const [a, b] = [new AdamW(pa, DECAY), new AdamW(pb, DECAY)];
    expect(backendHasKernel(AdamWUpdateKernel)).toBe(false); // the reference runs
    for (const [t, lr] of LRS.entries()) {
      const grads = gradients(t);
      const scaled = new Map([...grads].map(([name, g]) => [name, tf.mul(g, 0.3)]));
      a.step(grads, lr, 0.3);
      b.step(scaled, lr);
      tf.dispose([...grads.values(), ...scaled.values()]);
    }
    for (const [i] of SHAPES.entries()) expect(await maxAbsDiff(pa[i]![1], pb[i]![1])).toBe(0);
    expect(await a.getState()).toEqual(await b.getState());
    a.dispose();
    b.dispose();
    tf.dispose([...pa, ...pb].map(([, p]) => p));
  });
});
