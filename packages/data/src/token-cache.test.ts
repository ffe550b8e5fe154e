import { describe, expect, it } from 'vitest';
import { BpeTokenizer, CharTokenizer } from '@scratchgpt/tokenizers';
import { StaleTokenCacheError, readTokenCache, textFingerprint, tokenizerFingerprint, writeTokenCache } from './token-cache';

const text = 'hello cache';
const char = CharTokenizer.fromText(text);
const header = { vocabSize: char.vocabSize, tokenizer: tokenizerFingerprint(char), source: textFingerprint(text) };

describe('token cache format', () => {
  it('round-trips ids as uint16 with its header', () => {
    const ids = char.encode(text);
    const bytes = writeTokenCache(ids, header);
    expect(bytes.length).toBe(96 + 2 * ids.length);
    expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe('SGPTTOK');
    const cache = readTokenCache(bytes, header);
    expect(cache.ids).toBeInstanceOf(Uint16Array);
    expect(Array.from(cache.ids)).toEqual(ids);
    expect(cache).toMatchObject({ ...header, count: ids.length, bytesPerId: 2 });
  });

  it('uses uint32 for vocabularies above 65,536', () => {
    const bytes = writeTokenCache([0, 70000, 199999], { ...header, vocabSize: 200019 });
    const cache = readTokenCache(bytes);
    expect(cache.ids).toBeInstanceOf(Uint32Array);
    expect(Array.from(cache.ids)).toEqual([0, 70000, 199999]);
  });

  it('fingerprints tokenizers by their saved form', () => {
    expect(tokenizerFingerprint(CharTokenizer.fromText(text))).toBe(header.tokenizer);
    expect(tokenizerFingerprint(CharTokenizer.fromText(`${text}!`))).not.toBe(header.tokenizer);
    expect(tokenizerFingerprint(BpeTokenizer.train('aaabdaaabac', { vocabSize: 259 }))).toMatch(/^[0-9a-f]{64}$/);
    expect(textFingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('detects a stale cache: another tokenizer, or another text', () => {
    const bytes = writeTokenCache(char.encode(text), header);
    const other = tokenizerFingerprint(CharTokenizer.fromText('other text'));
    expect(() => readTokenCache(bytes, { tokenizer: other })).toThrow(StaleTokenCacheError);
    expect(() => readTokenCache(bytes, { tokenizer: other })).toThrow('made by another tokenizer');
    expect(() => readTokenCache(bytes, { source: textFingerprint('changed') })).toThrow('made from another text');
  });

  it('rejects damaged bytes with the reason', () => {
    const bytes = writeTokenCache(char.encode(text), header);
    expect(() => readTokenCache(bytes.subarray(0, bytes.length - 1))).toThrow(
      'truncated or padded: the header promises 11 ids (118 bytes), the file has 117 bytes',
    );
    expect(() => readTokenCache(new TextEncoder().encode('not a cache at all'))).toThrow('not a scratchgpt token cache');
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(() => readTokenCache(v2)).toThrow('token cache version 2 is not supported');
    expect(() => writeTokenCache([99], header)).toThrow('id 99 at index 0 is outside the vocabulary [0, 7)');
    expect(() => writeTokenCache([1.5], header)).toThrow('id 1.5 at index 0');
    expect(() => writeTokenCache([1], { ...header, tokenizer: 'abcd' })).toThrow('tokenizer must be a sha256 in lowercase hex');
    const outOfVocab = writeTokenCache([1, 2], header);
    new DataView(outOfVocab.buffer).setUint16(96 + 2, 9, true);
    expect(() => readTokenCache(outOfVocab)).toThrow('id 9 at index 1 is outside the vocabulary [0, 7); the cache is damaged');
    const wideVocab = writeTokenCache([1], header);
    new DataView(wideVocab.buffer).setUint32(24, 70000, true);
    expect(() => readTokenCache(wideVocab)).toThrow('the header is damaged (2 bytes per id for a vocabulary of 70000)');
  });
});
