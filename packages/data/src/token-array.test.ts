import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import { readShakespeare } from '../../../tests/shakespeare';
import { toTokenArray, trainValSplit } from './token-array';

describe('trainValSplit', () => {
  it("splits Tiny Shakespeare as nanoGPT: 1,003,854 / 111,540", async () => {
    const text = await readShakespeare();
    const { train, val } = trainValSplit(CharTokenizer.fromText(text).encode(text), 0.9);
    expect([train.length, val.length]).toEqual([1003854, 111540]);
  });

  it('returns views of one array, not copies', () => {
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { train, val } = trainValSplit(ids, 0.8);
    expect(Array.from(train)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(val)).toEqual([9, 10]);
    expect(train.buffer).toBe(ids.buffer);
    expect(val.buffer).toBe(ids.buffer);
  });

  it('rejects an empty corpus and fractions outside (0, 1)', () => {
    expect(() => trainValSplit([], 0.9)).toThrow('the corpus is empty');
    expect(() => trainValSplit([1, 2], 1)).toThrow('fraction must be between 0 and 1 (exclusive), got 1');
    expect(() => trainValSplit([1, 2], Number.NaN)).toThrow('got NaN');
  });
});

describe('toTokenArray', () => {
  it('keeps typed arrays and rejects ids that are not token ids', () => {
    const u16 = Uint16Array.from([1, 2]);
    expect(toTokenArray(u16)).toBe(u16);
    expect(toTokenArray([3, 4])).toEqual(Int32Array.from([3, 4]));
    expect(() => toTokenArray([1, -2])).toThrow('got -2 at index 1');
    expect(() => toTokenArray([0.5])).toThrow('got 0.5 at index 0');
  });
});
