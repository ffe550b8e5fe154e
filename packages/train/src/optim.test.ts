import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { cosineSchedule } from './lr-schedule';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('AdamW', () => {
  it('matches a step computed by hand, with decay on one parameter only', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([1]));
    const opt = new AdamW(
      [
        ['w', w],
        ['b', b],
      ],
      new Set(['w']),
      { lr: 0.1, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 },
    );
    opt.step(
      new Map([
        ['w', tf.tensor1d([0.5, 0.1])],
        ['b', tf.tensor1d([0.5])],
      ]),
    );
    // m = 0.1·g, v = 0.05·g², m̂ = g, v̂ = g², update = lr · g/|g| = 0.1; decay: w·(1 − 0.1·0.1).
    expect(Array.from(w.dataSync())).toEqual([expect.closeTo(0.99 - 0.1, 6), expect.closeTo(-1.98 - 0.1, 6)]);
    expect(b.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(opt.stepCount).toBe(1);
  });

  it('without weight decay equals tfjs Adam step for step', () => {
    const a = tf.variable(
      tf.tensor2d([
        [0.3, -0.7],
        [1.1, 0.2],
      ]),
    );
    const b = tf.variable(a.clone());
    const ours = new AdamW([['p', a]], new Set(), { lr: 0.05, betas: [0.9, 0.99], eps: 1e-7, weightDecay: 0.1 });
    const theirs = tf.train.adam(0.05, 0.9, 0.99, 1e-7);
    const loss = (p: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.square(p),
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
        ),
      );
    for (let i = 0; i < 4; i++) {
      ours.step(new Map([['p', tf.grad(loss)(a)]]));
      theirs.applyGradients([{ name: b.name, tensor: tf.grad(loss)(b) }]);
    }
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('saves and restores its moments', async () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = new AdamW([['p', p]], new Set(['p']));
    opt.step(new Map([['p', tf.tensor1d([1, 0, -1])]]));
    const state = await opt.getState();
    const q = tf.variable(tf.tensor1d([1, 2, 3]));
    const other = new AdamW([['p', q]], new Set(['p']));
    other.setState(state);
    expect(await other.getState()).toEqual(state);
    expect(() => other.setState({ ...state, m: {} })).toThrow('the saved state has no moments of size 3 for "p"');
  });

  it('holds two moment tensors per parameter and nothing more; dispose frees them', () => {
    const p = tf.variable(tf.ones([3, 2]));
    const before = tf.memory().numTensors;
    const opt = new AdamW([['p', p]], new Set(['p']));
    expect(tf.memory().numTensors).toBe(before + 2);
    opt.step(new Map([['p', tf.onesLike(p)]]));
    expect(tf.memory().numTensors).toBe(before + 3); // + the gradient passed in
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before + 1);
  });

  it('decays Linear weights only: not biases, LayerNorms or embeddings', () => {
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: true, tieWeights: false });
    expect([...decayedParameters(model)].sort()).toEqual([
      'lm_head.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_proj.weight',
    ]);
    expect(() => new AdamW(model.namedParameters(), new Set(['nope']))).toThrow('decay names "nope", which is not a parameter');
  });
});

describe('cosineSchedule', () => {
  it("gives nanoGPT's get_lr at warmup, peak, middle and floor", () => {
    const lr = cosineSchedule({ lr: 1e-3, warmupIters: 100, decayIters: 5000, minLr: 1e-4 });
    expect(lr(0)).toBeCloseTo(1e-3 / 101, 12);
    expect(lr(99)).toBeCloseTo((1e-3 * 100) / 101, 12);
    expect(lr(100)).toBeCloseTo(1e-3, 12);
    expect(lr(2550)).toBeCloseTo(5.5e-4, 12);
    expect(lr(5000)).toBeCloseTo(1e-4, 12);
    expect(lr(9000)).toBe(1e-4);
    expect(() => cosineSchedule({ lr: 1e-3, warmupIters: 10, decayIters: 5 })).toThrow('decayIters (5) must be at least warmupIters (10)');
  });
});
