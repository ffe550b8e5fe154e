import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { estimateLoss } from './estimate-loss';
import { trainStep } from './train-step';

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
      step: (grads: Map<string, tf.Tensor>) =>
        (seen = Math.sqrt([...grads.values()].reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0]!, 0))),
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
