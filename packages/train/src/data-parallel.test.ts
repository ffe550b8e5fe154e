import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, type GPTConfig } from '@scratchgpt/model';
// The built package (its worker threads run dist/worker.js), so the optimizer comes from there too.
import { AdamW, decayedParameters, trainStep } from '@scratchgpt/train';
import { DataParallel } from '@scratchgpt/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

const tiny: GPTConfig = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const T = 8;
/** A (rows, T) batch of inputs and next-token targets from a seed. */
const batch = (rows: number, seed: number) => {
  const ids = Array.from({ length: rows * (T + 1) }, (_, i) => (i * 5 + seed * 3 + ((i * i) % 7)) % tiny.vocabSize);
  const x = Array.from({ length: rows }, (_, r) => ids.slice(r * (T + 1), r * (T + 1) + T));
  const y = Array.from({ length: rows }, (_, r) => ids.slice(r * (T + 1) + 1, r * (T + 1) + T + 1));
  return { x: tf.tensor2d(x, [rows, T], 'int32'), y: tf.tensor2d(y, [rows, T], 'int32') };
};
const setup = () => {
  const model = new GPT(tiny, { seed: 3 });
  return { model, opt: new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-2 }) };
};
const maxDiff = (a: GPT, b: GPT) => Math.max(...a.parameters().flatMap((p, i) => Array.from(p.dataSync(), (v, j) => Math.abs(v - b.parameters()[i]!.dataSync()[j]!))));

describe('DataParallel', () => {
  const groups: DataParallel[] = [];
  afterAll(async () => {
    await Promise.all(groups.map((g) => g.close()));
  });

  for (const threads of [2, 3]) {
    it(`${threads} threads take the same steps as one (losses and weights to 1e-5), with uneven rows and 2 micro-batches`, async () => {
      const one = setup();
      const many = setup();
      const group = await DataParallel.start(many.model, { threads });
      groups.push(group);
      expect(group.threads).toBe(threads);
      for (let step = 0; step < 3; step++) {
        const micro = [batch(5, step), batch(5, step + 10)]; // 5 rows do not split evenly
        const a = trainStep(one.model, micro, one.opt, { gradClip: 1 });
        const b = await group.step(micro, many.opt, { gradClip: 1 });
        expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
        expect(Math.abs(b.gradNorm - a.gradNorm)).toBeLessThan(1e-5);
        tf.dispose(micro.flatMap((m) => [m.x, m.y]));
      }
      expect(maxDiff(one.model, many.model)).toBeLessThan(1e-5);
      expect(maxDiff(one.model, setup().model)).toBeGreaterThan(1e-3); // the steps did change the weights
      for (const s of [one, many]) {
        s.model.dispose();
        s.opt.dispose();
      }
    });
  }

  it('uses fewer threads than it has when a batch has fewer rows', async () => {
    const one = setup();
    const many = setup();
    const group = await DataParallel.start(many.model, { threads: 3 });
    groups.push(group);
    const micro = [batch(2, 1)];
    const a = trainStep(one.model, micro, one.opt);
    const b = await group.step(micro, many.opt);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
    expect(maxDiff(one.model, many.model)).toBeLessThan(1e-5);
  });

  it('splits each thread\'s rows into passes of maxRows, with the same step', async () => {
    const one = setup();
    const many = setup();
    const group = await DataParallel.start(many.model, { threads: 2, maxRows: 2 });
    groups.push(group);
    const micro = [batch(7, 4)]; // threads get 3 and 4 rows: passes of 2+1 and 2+2
    const a = trainStep(one.model, micro, one.opt);
    const b = await group.step(micro, many.opt);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
    expect(maxDiff(one.model, many.model)).toBeLessThan(1e-5);
  });

  it('names a backend the workers cannot start, and bad thread counts', async () => {
    const { model } = setup();
    await expect(DataParallel.start(model, { threads: 2, backend: 'no-such-backend' })).rejects.toThrow(/training worker 1.*"no-such-backend" backend did not start in a worker thread/);
    await expect(DataParallel.start(model, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    await expect(DataParallel.start(model, { threads: 1, maxRows: 0 })).rejects.toThrow(/maxRows must be at least 1, got 0/);
    model.dispose();
  });
});
