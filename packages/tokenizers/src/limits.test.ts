/**
 * Untrusted tokenizer files (JSON, minbpe `.model`) are refused in bounded time and memory, with
 * an error naming the limit, its value and the actual value, before anything big is built.
 */
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { TOKENIZER_LIMITS } from './limits';
import { loadTokenizer } from './load';
import { fromMinbpeModel } from './minbpe-format';

const { maxSerializedChars, maxVocabSize, maxTokenBytes, maxTotalTokenBytes, maxSpecialTokens } = TOKENIZER_LIMITS;

/** Merges that double one token's length `n` times: [97, 97], [256, 256], [257, 257], ... */
const doubling = (n: number): Array<[number, number]> =>
  Array.from({ length: n }, (_, i) => (i === 0 ? [97, 97] : [255 + i, 255 + i]) as [number, number]);

const bpeJSON = (merges: unknown, specialTokens: unknown = {}) => ({
  format: 'scratchgpt-tokenizer/1',
  type: 'bpe',
  pattern: 'gpt4',
  merges,
  specialTokens,
});

describe('TOKENIZER_LIMITS', () => {
  it('leaves room for real tokenizers: o200k_base (200,019 ids; longest token 128 bytes)', () => {
    expect(maxVocabSize).toBeGreaterThanOrEqual(4 * 200_019);
    expect(maxTokenBytes).toBeGreaterThanOrEqual(2 * 128);
    expect(maxTotalTokenBytes).toBeGreaterThanOrEqual(10 * 1_397_646); // o200k_base's tokens, all together
  });
});

describe('untrusted BPE merges', () => {
  it('refuses merges that double a token past maxTokenBytes, naming the merge, the limit and the length', () => {
    // 24 doublings would build a 16 MiB token (and 34 a 16 GiB one); refused at the first token over 256 bytes.
    const json = bpeJSON(doubling(24));
    expect(() => loadTokenizer(json as never)).toThrow(
      `merge 8 ([263, 263]) makes a token of 512 bytes, over TOKENIZER_LIMITS.maxTokenBytes = ${maxTokenBytes}`,
    );
    expect(() => loadTokenizer(JSON.stringify(json))).toThrow('TOKENIZER_LIMITS.maxTokenBytes');
    expect(() => new BpeTokenizer(doubling(24))).toThrow('TOKENIZER_LIMITS.maxTokenBytes');
    expect(() => new BpeTokenizer(doubling(8))).not.toThrow(); // a 256-byte token is within the limit
  });

  it('refuses more merges than the vocabulary limit allows, before looking at them', () => {
    const tooMany = new Array(maxVocabSize - 256 + 1).fill([97, 97]);
    expect(() => loadTokenizer(bpeJSON(tooMany) as never)).toThrow(
      `1048321 merges make 1048577 ids, over TOKENIZER_LIMITS.maxVocabSize = ${maxVocabSize}`,
    );
  });

  it('refuses merges whose tokens together exceed maxTotalTokenBytes', () => {
    // 363 distinct tokens of 2, 4, ..., 128 bytes, then pairs of the 128-byte ones: 256-byte tokens, each within the limit.
    const width = 363;
    const merges: Array<[number, number]> = [];
    let ids: number[] = [];
    for (let i = 0; i < width; i++) ids.push(255 + merges.push([i % 256, Math.floor(i / 256)]));
    for (let len = 4; len <= 128; len *= 2) ids = ids.map((id, i) => 255 + merges.push([id, ids[(i + 1) % width]!]));
    const count = Math.floor(maxTotalTokenBytes / 256) + 1;
    for (let i = 0; i < count; i++) merges.push([ids[i % width]!, ids[Math.floor(i / width)]!]);
    expect(() => new BpeTokenizer(merges)).toThrow(
      /makes the tokens \d+ bytes in all, over TOKENIZER_LIMITS\.maxTotalTokenBytes = 33554432/,
    );
  });

  it('refuses a JSON string longer than maxSerializedChars before parsing it', () => {
    const huge = `{"format":"scratchgpt-tokenizer/1","type":"char","unk":false,"chars":[${' '.repeat(maxSerializedChars)}]}`;
    expect(() => loadTokenizer(huge)).toThrow(
      `the tokenizer JSON is ${huge.length} characters long, over TOKENIZER_LIMITS.maxSerializedChars = ${maxSerializedChars}`,
    );
  });

  it('says what JSON text does not parse', () => {
    expect(() => loadTokenizer('{"format": ')).toThrow('loadTokenizer: the text is not JSON');
  });
});

describe('untrusted special tokens', () => {
  it('refuses too many, too long, empty, or ids past the vocabulary limit', () => {
    const many = Object.fromEntries(Array.from({ length: maxSpecialTokens + 1 }, (_, i) => [`<s${i}>`, 256 + i]));
    expect(() => loadTokenizer(bpeJSON([], many) as never)).toThrow(
      `${maxSpecialTokens + 1} special tokens, over TOKENIZER_LIMITS.maxSpecialTokens = ${maxSpecialTokens}`,
    );
    expect(() => new BpeTokenizer([], { specialTokens: { ['x'.repeat(maxTokenBytes + 1)]: 256 } })).toThrow(
      `is ${maxTokenBytes + 1} bytes long, over TOKENIZER_LIMITS.maxTokenBytes = ${maxTokenBytes}`,
    );
    expect(() => new BpeTokenizer([], { specialTokens: { '': 256 } })).toThrow('special tokens must be non-empty');
    expect(() => new BpeTokenizer([], { specialTokens: { '<s>': 2 ** 31 } })).toThrow(
      `special token "<s>" has id 2147483648, so the vocabulary would have 2147483649 ids, over TOKENIZER_LIMITS.maxVocabSize = ${maxVocabSize}`,
    );
  });
});

describe('untrusted character vocabularies', () => {
  it('refuses more characters than maxVocabSize', () => {
    const chars = new Array(maxVocabSize + 1).fill('a');
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/1', type: 'char', chars, unk: false })).toThrow(
      `${maxVocabSize + 1} characters (+ 0 for <unk>) make ${maxVocabSize + 1} ids, over TOKENIZER_LIMITS.maxVocabSize = ${maxVocabSize}`,
    );
    expect(() => new CharTokenizer(new Array(maxVocabSize).fill('a'), true)).toThrow('TOKENIZER_LIMITS.maxVocabSize');
  });
});

describe('BpeTokenizer.train', () => {
  it('stops with advice when a learned token would exceed maxTokenBytes', () => {
    expect(() => BpeTokenizer.train('a'.repeat(2000), { vocabSize: 256 + 12, pattern: 'none' })).toThrow(
      `merge 8 ([263, 263]) makes a token of 512 bytes, over TOKENIZER_LIMITS.maxTokenBytes = ${maxTokenBytes}. Train with a split pattern ('gpt4' or 'gpt2') or a smaller vocabSize`,
    );
  });
});

describe('untrusted minbpe .model files', () => {
  const model = (merges: Array<[number, number]>, specials = '0') =>
    ['minbpe v1', '', specials, ...merges.map(([a, b]) => `${a} ${b}`), ''].join('\n');

  it('applies the same limits', () => {
    expect(() => fromMinbpeModel(model(doubling(24)))).toThrow('merge 8 ([263, 263]) makes a token of 512 bytes');
    expect(() => fromMinbpeModel(model([], String(maxSpecialTokens + 1)))).toThrow(
      `line 3: ${maxSpecialTokens + 1} special tokens, over TOKENIZER_LIMITS.maxSpecialTokens = ${maxSpecialTokens}`,
    );
    expect(() => fromMinbpeModel(`minbpe v1\n\n0\n${'9'.repeat(maxSerializedChars)}`)).toThrow('TOKENIZER_LIMITS.maxSerializedChars');
    expect(() => fromMinbpeModel(model([], '0').replace('\n0\n', `\n0\n${'97 97\n'.repeat(maxVocabSize - 255)}`))).toThrow(
      'TOKENIZER_LIMITS.maxVocabSize',
    );
  });
});
