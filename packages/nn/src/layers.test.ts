import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import './setup';
import { Dropout, Embedding, LayerNorm, Linear, gelu } from './layers';
import { SeededRandom } from '@scratchgpt/data';
import { randn } from './random';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const close = (a: tf.Tensor, b: tf.Tensor | number[][] | number[], tol = 1e-5) =>
  expect(tf.max(tf.abs(tf.sub(a, b instanceof tf.Tensor ? b : tf.tensor(b)))).dataSync()[0]).toBeLessThan(tol);

describe('layers', () => {
  it('Linear is x·W + b for any leading shape, W stored [in, out]', () => {
    const lin = new Linear(3, 2, { rng: new SeededRandom(1) });
    lin.weight.assign(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    lin.bias!.assign(tf.tensor1d([0.5, -0.5]));
    close(
      lin.forward(
        tf.tensor3d([
          [
            [1, 0, 0],
            [0, 1, 1],
          ],
        ]),
      ),
      tf.tensor3d([
        [
          [1.5, 1.5],
          [8.5, 9.5],
        ],
      ]),
    );
    expect(new Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('Embedding looks rows up', () => {
    const emb = new Embedding(4, 2);
    emb.weight.assign(
      tf.tensor2d([
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    close(
      emb.forward(tf.tensor2d([[3, 1]], [1, 2], 'int32')),
      tf.tensor3d([
        [
          [3, 3],
          [1, 1],
        ],
      ]),
    );
  });

  it('LayerNorm normalises the last axis with biased variance and eps 1e-5, as PyTorch', () => {
    const ln = new LayerNorm(4);
    ln.weight.assign(tf.tensor1d([1, 2, 1, 1]));
    ln.bias!.assign(tf.tensor1d([0, 0, 1, 0]));
    const x = [1, 2, 3, 4];
    const mean = 2.5;
    const variance = 1.25; // biased: mean of squared deviations
    const norm = x.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
    close(ln.forward(tf.tensor2d([x])), [[norm[0]!, 2 * norm[1]!, norm[2]! + 1, norm[3]!]]);
    expect(new LayerNorm(4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    close(new LayerNorm(3).forward(tf.tensor2d([[5, 5, 5]])), [[0, 0, 0]]); // constant rows: eps keeps it finite
  });

  it('GELU is the exact erf form', () => {
    // PyTorch: torch.nn.GELU()(torch.tensor([-3., -1., 0., 1., 2.]))
    close(gelu(tf.tensor1d([-3, -1, 0, 1, 2])), [-0.00404969, -0.15865526, 0, 0.84134474, 1.95449972], 1e-6);
  });

  it('GELU and LayerNorm have gradients (tfjs-core alone registers none)', () => {
    const g = tf.grad((x) => tf.sum(gelu(x)))(tf.tensor1d([0, 1]));
    close(g, [0.5, 0.84134474 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI)], 1e-5); // Φ(x) + x·φ(x)
    const ln = new LayerNorm(3);
    expect(tf.grad((x) => tf.sum(tf.square(ln.forward(x))))(tf.tensor2d([[1, 2, 4]])).shape).toEqual([1, 3]);
  });

  it('Dropout is the identity in eval; in training it zeroes about p and scales by 1/(1-p)', () => {
    const drop = new Dropout(0.25, { rng: new SeededRandom(2) });
    const x = tf.ones([100, 100]);
    expect(drop.forward(x, false)).toBe(x);
    const y = drop.forward(x, true).dataSync();
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(zeros - 0.25)).toBeLessThan(0.02);
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(drop.forward(x, true).dataSync()).not.toEqual(y); // a new mask per call
    expect(() => new Dropout(1)).toThrow('p must be in [0, 1), got 1');
  });

  it('initialises from the seed: N(0, 0.02) weights, zero biases', () => {
    const a = new Linear(64, 64, { rng: new SeededRandom(3) });
    const b = new Linear(64, 64, { rng: new SeededRandom(3) });
    expect(a.weight.dataSync()).toEqual(b.weight.dataSync());
    const { mean, variance } = tf.moments(a.weight);
    expect(Math.abs(mean.dataSync()[0]!)).toBeLessThan(0.002);
    expect(Math.sqrt(variance.dataSync()[0]!)).toBeCloseTo(0.02, 3);
    expect(a.bias!.dataSync().every((v) => v === 0)).toBe(true);
  });

  it('randn has the asked mean and std, reproducibly', () => {
    const s = randn(new SeededRandom(4), 20001, 2, 1);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(std).toBeCloseTo(2, 1);
    expect(randn(new SeededRandom(4), 5)).toEqual(randn(new SeededRandom(4), 5));
  });

  it('leaks nothing in forward', () => {
    const lin = new Linear(4, 4);
    const ln = new LayerNorm(4);
    const x = tf.ones([2, 3, 4]);
    const before = tf.memory().numTensors;
    tf.dispose([lin.forward(x), ln.forward(x), gelu(x)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
