import { describe, expect, it } from 'vitest';
import { readShakespeare } from '../../../tests/shakespeare';
import { CharTokenizer, UNK_TEXT } from './char-tokenizer';
import { loadTokenizer } from './load';

const EDGE = ['', 'a', '🙂', '한국어 텍스트', 'mixed 🙂 text ✓ with 漢字 and\nnewlines\t'];

describe('CharTokenizer', () => {
  it('matches the lecture on Tiny Shakespeare: 65 ids, "hii there"', async () => {
    const text = await readShakespeare();
    const tok = CharTokenizer.fromText(text);
    expect(tok.vocabSize).toBe(65);
    expect(tok.encode('hii there')).toEqual([46, 47, 47, 1, 58, 46, 43, 56, 43]);
    expect(tok.decode(tok.encode('hii there'))).toBe('hii there');
    expect(tok.toJSON().chars.join('')).toBe("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    expect(tok.decode(tok.encode(text)) === text).toBe(true);
  });

  it.each(EDGE)('round-trips %j', (text) => {
    const tok = CharTokenizer.fromText(text);
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.encode(text)).toHaveLength([...text].length);
  });

  it('treats a code point outside the BMP as one character, sorted by code point', () => {
    // U+FF01 sorts before U+1F642 by code point, though its UTF-16 unit is larger than 0xD83D.
    const tok = CharTokenizer.fromText('🙂！a');
    expect(tok.toJSON().chars).toEqual(['a', '！', '🙂']);
    expect(tok.encode('🙂🙂！')).toEqual([2, 2, 1]);
  });

  it('names an unknown character and its position', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('ab🙂d')).toThrow(/unknown character "🙂" \(U\+1F642\) at position 2 .*unknown: 'unk'/);
  });

  it("maps unknown characters to <unk> with { unknown: 'unk' }", () => {
    const tok = CharTokenizer.fromText('abc', { unknown: 'unk' });
    expect(tok.vocabSize).toBe(4);
    expect(tok.unkId).toBe(3);
    expect(tok.encode('aXb🙂')).toEqual([0, 3, 1, 3]);
    expect(tok.decode([0, 3])).toBe(`a${UNK_TEXT}`);
  });

  it('rejects ids outside the vocabulary when decoding', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.decode([0, 3])).toThrow('cannot decode id 3 at index 1: ids must be integers in [0, 3)');
    expect(() => tok.decode([1.5])).toThrow(/id 1.5/);
  });

  it('saves and loads exactly', () => {
    const tok = CharTokenizer.fromText('hello 🙂 world', { unknown: 'unk' });
    const back = loadTokenizer(JSON.stringify(tok));
    expect(back).toBeInstanceOf(CharTokenizer);
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect(back.encode('low 🙂 Q')).toEqual(tok.encode('low 🙂 Q'));
  });

  it('rejects a vocabulary entry that is not one character', () => {
    expect(() => new CharTokenizer(['a', 'bc'])).toThrow('vocabulary entry 1 ("bc") is not one character');
    expect(() => new CharTokenizer(['a', 'a'])).toThrow('appears twice');
  });
});
