import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { backendHasKernel, gpuWork, webgpuAdapter } from '@scratchgpt/nn';
import { maxAbsDiff, useWebGPU } from '@scratchgpt/nn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { estimateLoss } from './estimate-loss';
import { accumulateGradients, applyGradients, measureStep, trainStep } from './train-step';
import { AdamWUpdateKernel } from './webgpu/adamw';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const tiny: GPTConfig = { vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const rows = [
  [1, 2, 3, 4, 5],
  [6, 7, 8, 9, 10],
  [0, 2, 4, 6, 8],
  [1, 3, 5, 7, 9],
];
const batch = (r: number[][]) => ({
  x: tf.tensor2d(
    r.map((row) => row.slice(0, 4)),
    undefined,
    'int32',
  ),
  y: tf.tensor2d(
    r.map((row) => row.slice(1)),
    undefined,
    'int32',
  ),
});
const setup = () => {
  const model = new GPT(tiny, { seed: 1 });
  return { model, opt: new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-2 }) };
};
const weights = (model: GPT) => model.parameters().map((p) => Array.from(p.dataSync()));

describe('trainStep', () => {
  it('accumulating two micro-batches equals one batch of both', async () => {
    const one = setup();
    const two = setup();
    const a = await trainStep(one.model, [batch(rows)], one.opt);
    const b = await trainStep(two.model, [batch(rows.slice(0, 2)), batch(rows.slice(2))], two.opt);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(b.gradNorm).toBeCloseTo(a.gradNorm, 5);
    for (const [i, w] of weights(one.model).entries())
      for (const [j, v] of w.entries()) expect(weights(two.model)[i]![j]).toBeCloseTo(v, 6);
  });

  it('clips the global gradient norm before the update', async () => {
    const { model } = setup();
    let seen = 0;
    const spy = {
      step: (grads: Map<string, tf.Tensor>, _lr?: number, gradScale = 1) =>
        (seen = gradScale * Math.sqrt([...grads.values()].reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0]!, 0))),
    };
    const { gradNorm } = await trainStep(model, [batch(rows)], spy as unknown as AdamW, { gradClip: 0.01 });
    expect(gradNorm).toBeGreaterThan(0.01);
    expect(seen).toBeCloseTo(0.01, 6);
    await trainStep(model, [batch(rows)], spy as unknown as AdamW, { gradClip: 0 });
    expect(seen).toBeGreaterThan(0.01);
  });

  it('applies nothing when the loss is not finite', async () => {
    const { model, opt } = setup();
    model.transformer.wte.weight.assign(tf.fill([11, 16], Number.NaN));
    const before = weights(model);
    const { loss } = await trainStep(model, [batch(rows)], opt);
    expect(Number.isNaN(loss)).toBe(true);
    expect(weights(model)).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });

  it('learns and leaks nothing', async () => {
    const { model, opt } = setup();
    const b = batch(rows);
    const first = (await trainStep(model, [b], opt)).loss;
    const count = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = (await trainStep(model, [b], opt)).loss;
    expect(tf.memory().numTensors).toBe(count);
    expect(last).toBeLessThan(first - 0.5);
  });
});

describe('estimateLoss', () => {
  it('averages eval-mode losses over evalIters batches and restores the mode', async () => {
    const model = new GPT({ ...tiny, dropout: 0.5 });
    model.train();
    const b = batch(rows);
    const expected = model.loss(b.x, b.y, { training: false }).dataSync()[0]!;
    const out = await estimateLoss(model, { train: () => batch(rows), val: () => batch(rows) }, 3);
    expect(out.train).toBeCloseTo(expected, 6);
    expect(out.val).toBeCloseTo(expected, 6);
    expect(model.training).toBe(true);
    await expect(estimateLoss(model, {}, 0)).rejects.toThrow('evalIters must be a positive integer, got 0');
  });
});

describe('trainStep on webgpu: clipping in the kernels of AdamW, the norm in one kernel', () => {
  beforeAll(useWebGPU);
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // No biases: the key bias's gradient is zero but for rounding, which Adam turns into steps of ±lr.
  const noBias = () => {
    const model = new GPT({ ...tiny, bias: false }, { seed: 1 });
    const opt = (fused: boolean) => new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-2, fused });
    return { model, opt };
  };
  const CLIPS = [0.05, 0.05, 0.5, 0, 0.05, 100]; // clipped, or not (0: off; 100: above the norm)

  async function weightDiff(a: GPT, b: GPT): Promise<number> {
    const [pa, pb] = [a.parameters(), b.parameters()];
    let max = 0;
    for (const [i, p] of pa.entries()) max = Math.max(max, await maxAbsDiff(p, pb[i]!));
    return max;
  }

  it('with the same norm, clipping in the kernels gives the weights of tf.mul(g, scale) then the reference', async () => {
    const [f, r] = [noBias(), noBias()];
    const [fusedOpt, refOpt] = [f.opt(true), r.opt(false)];
    expect(fusedOpt.fused && backendHasKernel(AdamWUpdateKernel)).toBe(true);
    expect(refOpt.fused).toBe(false);
    const b = batch(rows);
    for (const gradClip of CLIPS) {
      for (const [{ model }, opt] of [
        [f, fusedOpt],
        [r, refOpt],
      ] as const) {
        const { losses, grads } = accumulateGradients(model, [{ ...b, weight: 1 }]);
        applyGradients(grads, await measureStep(losses, grads, { fused: false }), opt, { gradClip });
      }
    }
    const diff = await weightDiff(f.model, r.model);
    console.log(`webgpu, ${CLIPS.length} steps, the same norm: max |Δweight| ${diff}`);
    expect(diff).toBeLessThan(1e-6); // 0 on lavapipe; a GPU that fuses a multiply-add may round once less
    tf.dispose([b.x, b.y]);
    for (const d of [fusedOpt, refOpt, f.model, r.model]) d.dispose();
  });

  it("trainStep gives the reference's losses, norms and weights to float rounding, clipped or not", async () => {
    const [f, r] = [noBias(), noBias()];
    const [fusedOpt, refOpt] = [f.opt(true), r.opt(false)];
    const b = batch(rows);
    let [loss, norm] = [0, 0];
    for (const gradClip of CLIPS) {
      const fs = await trainStep(f.model, [b], fusedOpt, { gradClip });
      const rs = await trainStep(r.model, [b], refOpt, { gradClip });
      loss = Math.max(loss, Math.abs(fs.loss - rs.loss));
      norm = Math.max(norm, Math.abs(fs.gradNorm - rs.gradNorm) / rs.gradNorm);
    }
    const weight = await weightDiff(f.model, r.model);
    console.log(`webgpu, ${CLIPS.length} steps, fused vs reference: |Δloss| ${loss}, |Δnorm|/norm ${norm}, max |Δweight| ${weight}`);
    expect(loss).toBeLessThan(1e-5);
    expect(norm).toBeLessThan(1e-5);
    expect(weight).toBeLessThan(1e-5);
    tf.dispose([b.x, b.y]);
    for (const d of [fusedOpt, refOpt, f.model, r.model]) d.dispose();
  });

  it('measures the norm in ⌈(P − 1)/(L − 2)⌉ + 1 dispatches and clips with none; no tensor leaks', async () => {
    const { model, opt } = setup();
    const P = model.namedParameters().length;
    const L = webgpuAdapter()!.maxStorageBuffers;
    const b = batch(rows);
    await trainStep(model, [b], opt); // shaders compiled, buffers pooled
    const count = tf.memory().numTensors;
    const measure = async (fused: boolean) => {
      const { losses, grads } = accumulateGradients(model, [{ ...b, weight: 1 }]);
      gpuWork(true);
      const measured = await measureStep(losses, grads, { fused });
      return { grads, measured, dispatches: gpuWork(true).dispatches };
    };
    const apply = (run: Awaited<ReturnType<typeof measure>>, optimizer: AdamW) => {
      gpuWork(true);
      applyGradients(run.grads, { ...run.measured, gradNorm: 10 }, optimizer, { gradClip: 1 }); // clipped
      return gpuWork(true).dispatches;
    };
    const fused = await measure(true);
    const reference = await measure(false);
    expect(Math.abs(fused.measured.gradNorm - reference.measured.gradNorm) / reference.measured.gradNorm).toBeLessThan(1e-6);
    // Beside the losses' stack and concat: the norm's kernel, instead of two dispatches a gradient and their AddN.
    const norm = Math.ceil((P - 1) / (L - 2)) + 1;
    expect(fused.dispatches).toBeLessThanOrEqual(norm + 2);
    expect(reference.dispatches - fused.dispatches).toBeGreaterThanOrEqual(2 * P - norm);
    const fusedApply = apply(fused, opt);
    tf.dispose([...reference.grads.values()]);
    expect(fusedApply).toBe(3 * P); // clipping is a uniform of AdamW's three kernels: no tf.mul a gradient
    console.log(
      `webgpu, ${P} parameters: norm ${fused.dispatches} dispatches (reference ${reference.dispatches}), clipping + AdamW ${fusedApply}`,
    );
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([b.x, b.y]);
    opt.dispose();
    model.dispose();
  });
});
