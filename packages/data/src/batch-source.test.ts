import { describe, expect, it } from 'vitest';
import { BATCH_SAMPLERS, MAX_BATCH_TOKENS, SlidingWindowSampler, createBatchSource, type BatchSource } from './batch-source';
import { DataLoader } from './data-loader';
import { RandomBatchSampler } from './random-batch-sampler';
import { SlidingWindowDataset } from './sliding-window';

const ids = Int32Array.from({ length: 101 }, (_, i) => i);
const starts = (source: BatchSource, batches: number) =>
  Array.from({ length: batches }, () => {
    const b = source.next();
    return Array.from({ length: b.batchSize }, (_, r) => b.x[r * b.blockSize]!);
  });

describe('SlidingWindowSampler', () => {
  it("draws Raschka's shuffled DataLoader epochs (drop_last), one after another", () => {
    // 24 windows of 8 tokens every 4 (starts 0, 4, …, 92); batches of 5: 4 per epoch, 4 windows left out.
    const sampler = new SlidingWindowSampler(ids, { batchSize: 5, blockSize: 8, stride: 4, seed: 7 });
    const loader = new DataLoader(new SlidingWindowDataset(ids, { maxLength: 8, stride: 4 }), {
      batchSize: 5,
      shuffle: true,
      dropLast: true,
      seed: 7,
    });
    const fromLoader = [0, 1, 2].flatMap((e) =>
      [...loader.epoch(e)].map((b) => Array.from({ length: b.batchSize }, (_, r) => b.x[r * 8]!)),
    );
    expect(sampler.windows).toBe(24);
    expect(starts(sampler, 12)).toEqual(fromLoader);
    expect(sampler.epoch).toBeCloseTo(2 + 20 / 24, 12);
    const batch = new SlidingWindowSampler(ids, { batchSize: 1, blockSize: 8, stride: 4 }).next();
    expect(Array.from(batch.y)).toEqual(Array.from(batch.x, (v) => v + 1)); // targets one later
  });

  it('covers every window once per epoch, in a new order each epoch', () => {
    const sampler = new SlidingWindowSampler(ids, { batchSize: 4, blockSize: 8, stride: 4, seed: 1 });
    const [e0, e1] = [starts(sampler, 6).flat(), starts(sampler, 6).flat()];
    const all = Array.from({ length: 24 }, (_, i) => i * 4);
    expect([...e0].sort((a, b) => a - b)).toEqual(all);
    expect([...e1].sort((a, b) => a - b)).toEqual(all);
    expect(e1).not.toEqual(e0);
    expect(sampler.epoch).toBe(2);
  });

  it('resumes at the same window of the same epoch', () => {
    const straight = new SlidingWindowSampler(ids, { batchSize: 5, blockSize: 8, stride: 4, seed: 3 });
    const expected = starts(straight, 9);
    const first = new SlidingWindowSampler(ids, { batchSize: 5, blockSize: 8, stride: 4, seed: 3 });
    const head = starts(first, 6); // mid-epoch 1
    const state = JSON.parse(JSON.stringify(first.getState()));
    expect(state).toEqual({ kind: 'sliding', epoch: 1, window: 10 });
    const resumed = new SlidingWindowSampler(ids, { batchSize: 5, blockSize: 8, stride: 4, seed: 3 });
    resumed.setState(state);
    expect([...head, ...starts(resumed, 3)]).toEqual(expected);
  });

  it('says what to change when the text holds less than one batch, and refuses a foreign state', () => {
    expect(() => new SlidingWindowSampler(ids.subarray(0, 30), { batchSize: 8, blockSize: 8, stride: 8 })).toThrow(
      '3 windows of 8 tokens every 8 fit in the 30 tokens, fewer than one batch of 8; use a smaller stride or batch size, or a longer text.',
    );
    const sampler = new SlidingWindowSampler(ids, { batchSize: 2, blockSize: 8 });
    expect(() => sampler.setState({ kind: 'random', rng: [1, 2, 3, 4], rows: 0 })).toThrow("expected { kind: 'sliding', epoch, window }");
    expect(() => sampler.setState({ kind: 'sliding', epoch: 0, window: 999 })).toThrow('window in [0, 12]');
  });
});

describe('batch sources', () => {
  it('are made by name from one list, and each resumes from its JSON state', () => {
    expect(Object.keys(BATCH_SAMPLERS)).toEqual(['random', 'sliding']);
    for (const kind of ['random', 'sliding'] as const) {
      const a = createBatchSource(kind, ids, { batchSize: 3, blockSize: 8, seed: 5 });
      expect(a.kind).toBe(kind);
      a.next();
      const state = JSON.parse(JSON.stringify(a.getState()));
      const b = createBatchSource(kind, ids, { batchSize: 3, blockSize: 8, seed: 5 }); // the seed is the run's; the state is the position
      b.setState(state);
      expect(b.next().x).toEqual(a.next().x);
    }
    expect(() => createBatchSource('shuffled' as 'random', ids, { batchSize: 1, blockSize: 8 })).toThrow(
      'Unknown batch sampler "shuffled"; use one of random, sliding.',
    );
  });

  it('random: the epoch counts the tokens drawn over the tokens in the text', () => {
    const sampler = new RandomBatchSampler(ids, { batchSize: 4, blockSize: 10 });
    starts(sampler, 5); // 5 · 4 · 10 = 200 tokens of 101
    expect(sampler.epoch).toBeCloseTo(200 / 101, 12);
    expect(() => sampler.setState({ kind: 'sliding', epoch: 0, window: 0 })).toThrow('expected the state of a random sampler');
  });
});

describe('createBatchSource bounds', () => {
  it('refuses a batch of more than MAX_BATCH_TOKENS before allocating it, naming gradAccum', () => {
    const ids = new Int32Array(100);
    for (const kind of Object.keys(BATCH_SAMPLERS) as Array<keyof typeof BATCH_SAMPLERS>)
      expect(() => createBatchSource(kind, ids, { batchSize: 10_000_000, blockSize: 64 })).toThrow(
        `a batch of 10000000 × 64 = 640,000,000 tokens is more than MAX_BATCH_TOKENS = ${MAX_BATCH_TOKENS.toLocaleString('en-US')} held at once; use a smaller batchSize, and gradAccum`,
      );
  });
});
