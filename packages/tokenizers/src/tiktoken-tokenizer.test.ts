import { afterAll, describe, expect, it } from 'vitest';
import { readShakespeare } from '../../../tests/shakespeare';
import { loadTokenizer } from './load';
import { TIKTOKEN_VOCAB_SIZES, TiktokenTokenizer } from './tiktoken-tokenizer';
import type { TiktokenEncodingName } from './types';

const gpt2 = new TiktokenTokenizer('gpt2');
afterAll(() => gpt2.dispose());

describe('TiktokenTokenizer', () => {
  it('encodes GPT-2 golden values', () => {
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    expect(gpt2.name).toBe('tiktoken:gpt2');
    expect(gpt2.vocabSize).toBe(50257);
  });

  it.each(['', 'a', '🙂', '한국어 텍스트', 'mixed 🙂 text\n\twith 漢字'])('round-trips %j', (text) => {
    expect(gpt2.decode(gpt2.encode(text))).toBe(text);
  });

  it("gives nanoGPT's token counts for Tiny Shakespeare and round-trips it", async () => {
    const text = await readShakespeare();
    const n = Math.floor(text.length * 0.9); // nanoGPT data/shakespeare/prepare.py
    expect(gpt2.encode(text.slice(0, n)).length).toBe(301966);
    expect(gpt2.encode(text.slice(n)).length).toBe(36059);
    expect(gpt2.decode(gpt2.encode(text)) === text).toBe(true);
  });

  it('decodes a partial UTF-8 sequence to U+FFFD without throwing', () => {
    const ids = gpt2.encode('🙂');
    expect(ids.length).toBeGreaterThan(1);
    expect(gpt2.decode(ids.slice(0, 1))).toContain('\uFFFD');
  });

  it('encodes special tokens as special by default, as text with allowedSpecial none', () => {
    expect(gpt2.encode('<|endoftext|>')).toEqual([50256]);
    const plain = new TiktokenTokenizer('gpt2', { allowedSpecial: 'none' });
    expect(plain.encode('<|endoftext|>').length).toBeGreaterThan(1);
    plain.dispose();
  });

  it.each(Object.keys(TIKTOKEN_VOCAB_SIZES) as TiktokenEncodingName[])('%s: vocabSize is the first id past the last', (name) => {
    const tok = new TiktokenTokenizer(name);
    expect(() => tok.decode([tok.vocabSize - 1])).not.toThrow();
    expect(() => tok.decode([tok.vocabSize])).toThrow(RangeError);
    expect(tok.decode(tok.encode('Hello, world!'))).toBe('Hello, world!');
    tok.dispose();
  });

  it.each([
    ['cl100k_base', 100256, 100257],
    ['cl100k_base', 100261, 100276],
    ['o200k_base', 199998, 199999],
    ['o200k_base', 200017, 200018],
  ] as const)('%s: refuses unassigned id %i and still works after', (name, hole, special) => {
    const tok = new TiktokenTokenizer(name);
    expect(() => tok.decode([1, hole])).toThrow(`cannot decode id ${hole} at index 1: the encoding does not assign it`);
    expect(tok.decode([special])).toMatch(/^<\|\w+\|>$/);
    expect(tok.decode(tok.encode('still fine'))).toBe('still fine');
    tok.dispose();
  });

  it('frees its WASM memory on dispose and then refuses work', () => {
    const tok = new TiktokenTokenizer('gpt2');
    tok.dispose();
    expect(() => tok.encode('x')).toThrow('disposed');
  });

  it('saves and restores allowedSpecial', () => {
    const plain = new TiktokenTokenizer('gpt2', { allowedSpecial: 'none' });
    const back = loadTokenizer(JSON.stringify(plain));
    expect(back.encode('a<|endoftext|>b')).toEqual(plain.encode('a<|endoftext|>b'));
    expect(back.encode('a<|endoftext|>b')).not.toContain(50256);
    expect(() => new TiktokenTokenizer('gpt2', { allowedSpecial: 'some' as 'all' })).toThrow("allowedSpecial must be 'all' or 'none'");
    plain.dispose();
    back.dispose?.();
  });

  it('rejects an unknown encoding and saves/loads', () => {
    expect(() => new TiktokenTokenizer('gpt5' as TiktokenEncodingName)).toThrow(/unknown encoding "gpt5"; use one of gpt2/);
    const back = loadTokenizer(gpt2.toJSON());
    expect(back.encode('hello world')).toEqual([31373, 995]);
    back.dispose?.();
  });
});
