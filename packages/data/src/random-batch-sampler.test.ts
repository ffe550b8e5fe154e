import { describe, expect, it } from 'vitest';
import { RandomBatchSampler } from './random-batch-sampler';

const ids = Int32Array.from({ length: 100 }, (_, i) => i);

describe('RandomBatchSampler', () => {
  it("draws nanoGPT's get_batch: rows at random offsets in [0, len - blockSize), targets shifted", () => {
    const sampler = new RandomBatchSampler(ids, { batchSize: 8, blockSize: 10, seed: 1 });
    const offsets = new Set<number>();
    for (let step = 0; step < 200; step++) {
      const batch = sampler.next();
      expect(batch.shape).toEqual([8, 10]);
      for (let b = 0; b < 8; b++) {
        const { x, y } = batch.row(b);
        const start = x[0]!;
        offsets.add(start);
        expect(Array.from(x)).toEqual(Array.from({ length: 10 }, (_, i) => start + i));
        expect(Array.from(y)).toEqual(Array.from({ length: 10 }, (_, i) => start + i + 1));
      }
    }
    expect(Math.min(...offsets)).toBe(0);
    expect(Math.max(...offsets)).toBe(89); // the last offset with a full target: 100 - 10 - 1
    expect(offsets.size).toBe(90);
  });

  it('is deterministic for a seed and resumes from a saved state', () => {
    const a = new RandomBatchSampler(ids, { batchSize: 4, blockSize: 8, seed: 3 });
    const b = new RandomBatchSampler(ids, { batchSize: 4, blockSize: 8, seed: 3 });
    expect(a.next().x).toEqual(b.next().x);
    const saved = a.getState();
    expect(saved).toMatchObject({ kind: 'random', rows: 4 });
    const expected = [a.next().x, a.next().x];
    const resumed = new RandomBatchSampler(ids, { batchSize: 4, blockSize: 8, seed: 999 });
    resumed.setState(saved);
    expect([resumed.next().x, resumed.next().x]).toEqual(expected);
  });

  it('explains a text shorter than a block', () => {
    expect(() => new RandomBatchSampler(ids.subarray(0, 8), { batchSize: 2, blockSize: 8 })).toThrow(
      'the text has 8 tokens, but a block needs blockSize + 1 = 9',
    );
    expect(() => new RandomBatchSampler(ids, { batchSize: 0, blockSize: 8 })).toThrow('batchSize must be a positive integer, got 0');
  });
});
