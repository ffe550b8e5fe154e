import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import { readShakespeare } from '../../../tests/shakespeare';
import { checkTokenIds, toTokenArray, trainValSplit } from './token-array';

describe('trainValSplit', () => {
  it('splits Tiny Shakespeare as nanoGPT: 1,003,854 / 111,540', async () => {
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
    expect(() => trainValSplit('', 0.9)).toThrow('the corpus is empty');
    expect(() => trainValSplit([1, 2], 1)).toThrow('fraction must be between 0 and 1 (exclusive), got 1');
    expect(() => trainValSplit([1, 2], Number.NaN)).toThrow('got NaN');
  });
});

describe('trainValSplit on text', () => {
  it('cuts text at the same point as ids, so a char tokenizer gives the same split either way', async () => {
    const text = await readShakespeare();
    const chars = trainValSplit(text);
    expect([chars.train.length, chars.val.length]).toEqual([1003854, 111540]);
    expect(chars.train + chars.val).toBe(text);
  });

  it('never cuts a surrogate pair: a pair the cut falls inside goes to val whole', () => {
    const text = 'abcdefghi😀'; // 11 UTF-16 units; 0.9 · 11 = 9.9 → 9, between "i" and the pair
    expect(trainValSplit(text).val).toBe('😀');
    const pair = 'abcdefgh😀j'; // the cut (9) falls inside the pair
    expect(trainValSplit(pair)).toEqual({ train: 'abcdefgh', val: '😀j' });
  });
});

describe('checkTokenIds', () => {
  it('names the first id outside the vocabulary, and the fix', () => {
    expect(() => checkTokenIds([1, 2, 3], 4)).not.toThrow();
    expect(() => checkTokenIds(Int32Array.from([1, 4, 9]), 4, 'the val split')).toThrow(
      "the val split has token id 4 at index 1, outside the model's vocabulary [0, 4); encode it with the tokenizer the model was built for.",
    );
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
