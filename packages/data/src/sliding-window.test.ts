import { describe, expect, it } from 'vitest';
import { SlidingWindowDataset } from './sliding-window';

const ids = Int32Array.from({ length: 20 }, (_, i) => i);

describe('SlidingWindowDataset', () => {
  it("has Raschka's window count for stride 1: starts 0..len-maxLength-1", () => {
    const ds = new SlidingWindowDataset(ids, { maxLength: 4, stride: 1 });
    expect(ds.length).toBe(16); // range(0, 20 - 4, 1)
    expect(Array.from(ds.get(0).input)).toEqual([0, 1, 2, 3]);
    expect(Array.from(ds.get(0).target)).toEqual([1, 2, 3, 4]);
    expect(Array.from(ds.get(15).target)).toEqual([16, 17, 18, 19]);
  });

  it('has non-overlapping windows for stride = maxLength', () => {
    const ds = new SlidingWindowDataset(ids, { maxLength: 4, stride: 4 });
    expect(ds.length).toBe(4); // range(0, 16, 4): 0, 4, 8, 12
    expect([...ds].map((w) => w.input[0])).toEqual([0, 4, 8, 12]);
    expect(new SlidingWindowDataset(ids, { maxLength: 5 }).length).toBe(3); // 0, 5, 10 (15 + 5 = 20 is not < 20)
  });

  it('matches the Python loop for many lengths and strides', () => {
    for (let n = 2; n < 40; n++)
      for (let maxLength = 1; maxLength < n; maxLength++)
        for (let stride = 1; stride < 7; stride++) {
          let count = 0;
          for (let i = 0; i < n - maxLength; i += stride) count++;
          expect(new SlidingWindowDataset(new Int32Array(n), { maxLength, stride }).length).toBe(count);
        }
  });

  it('makes windows as views of one array', () => {
    const ds = new SlidingWindowDataset(ids, { maxLength: 4, stride: 2 });
    expect(ds.get(3).input.buffer).toBe(ds.ids.buffer);
    expect(ds.get(3).input.byteOffset).toBe(6 * 4);
  });

  it('explains bad input', () => {
    expect(() => new SlidingWindowDataset(ids, { maxLength: 20 })).toThrow(
      'the text has 20 tokens, but one window needs maxLength + 1 = 21 (inputs plus the shifted target)',
    );
    expect(() => new SlidingWindowDataset(ids, { maxLength: 4, stride: 0 })).toThrow(
      'stride must be a positive integer (1 = every position), got 0',
    );
    expect(() => new SlidingWindowDataset(ids, { maxLength: 0 })).toThrow('maxLength must be a positive integer, got 0');
    expect(() => new SlidingWindowDataset([], { maxLength: 4 })).toThrow('the text has 0 tokens');
    expect(() => new SlidingWindowDataset(ids, { maxLength: 4 }).get(4)).toThrow('index 4 is out of range [0, 4)');
  });
});
