import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { MultiHeadAttention, registerAttention } from '@scratchgpt/attention';
import { Batch } from '@scratchgpt/data';
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
  const b = Batch.empty(rows, T);
  for (let r = 0; r < rows; r++) b.setRow(r, Int32Array.from(ids), r * (T + 1));
  return b;
};
/** The one-thread reference step (trainStep over tensors). */
const reference = async (model: GPT, opt: AdamW, micro: Batch[], options = {}) => {
  const tensors = micro.map((b) => b.toTensors(tf));
  try {
    return await trainStep(model, tensors, opt, options);
  } finally {
    tf.dispose(tensors.flatMap((t) => [t.x, t.y]));
  }
};
const setup = () => {
  const model = new GPT(tiny, { seed: 3 });
  return { model, opt: new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-2 }) };
};
const maxDiff = (a: GPT, b: GPT) =>
  Math.max(...a.parameters().flatMap((p, i) => Array.from(p.dataSync(), (v, j) => Math.abs(v - b.parameters()[i]!.dataSync()[j]!))));

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
        const a = await reference(one.model, one.opt, micro, { gradClip: 1 });
        const b = await group.step(micro, many.opt, { gradClip: 1 });
        expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
        expect(Math.abs(b.gradNorm - a.gradNorm)).toBeLessThan(1e-5);
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
    const a = await reference(one.model, one.opt, micro);
    const b = await group.step(micro, many.opt);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
    expect(maxDiff(one.model, many.model)).toBeLessThan(1e-5);
  });

  it("splits each thread's rows into passes of maxRows, with the same step", async () => {
    const one = setup();
    const many = setup();
    const group = await DataParallel.start(many.model, { threads: 2, maxRows: 2 });
    groups.push(group);
    const micro = [batch(7, 4)]; // threads get 3 and 4 rows: passes of 2+1 and 2+2
    const a = await reference(one.model, one.opt, micro);
    const b = await group.step(micro, many.opt);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
    expect(maxDiff(one.model, many.model)).toBeLessThan(1e-5);
  });

  it('builds an attention kind registered with its module in the workers too', async () => {
    await import(new URL('../fixtures/attention-kind.mjs', import.meta.url).href); // a plain module, as a user's would be
    const config = { ...tiny, attention: 'fused-elsewhere' };
    const [one, many] = [new GPT(config, { seed: 3 }), new GPT(config, { seed: 3 })];
    const [optOne, optMany] = [one, many].map((m) => new AdamW(m.namedParameters(), decayedParameters(m), { lr: 1e-2 }));
    const group = await DataParallel.start(many, { threads: 2 });
    groups.push(group);
    const micro = [batch(4, 2)];
    const a = await reference(one, optOne!, micro);
    const b = await group.step(micro, optMany!);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5);
    expect(maxDiff(one, many)).toBeLessThan(1e-5);
    registerAttention('fused-here-only', (c) => new MultiHeadAttention(c));
    const local = new GPT({ ...tiny, attention: 'fused-here-only' });
    await expect(DataParallel.start(local, { threads: 2 })).rejects.toThrow(
      'attention kind "fused-here-only" was registered without the module that registers it, so worker threads cannot build it',
    );
    expect((await DataParallel.start(local, { threads: 1 })).threads).toBe(1); // one thread needs no workers
  });

  it('names a backend the workers cannot start, and bad thread counts', async () => {
    const { model } = setup();
    await expect(DataParallel.start(model, { threads: 2, backend: 'no-such-backend' })).rejects.toThrow(
      /training worker 1.*"no-such-backend" backend did not start in a worker thread/,
    );
    await expect(DataParallel.start(model, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    await expect(DataParallel.start(model, { threads: 1, maxRows: 0 })).rejects.toThrow(/maxRows must be at least 1, got 0/);
    model.dispose();
  });
});
