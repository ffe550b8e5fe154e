import { describe, expect, it } from 'vitest';
import { readShakespeare } from '../../../tests/shakespeare';
import golden from '../fixtures/golden.json';
import splits from '../fixtures/splits.json';
import { MergeRanks, applyMerges } from './bpe-encode';
import { createSplitter, type SplitPattern } from './bpe-patterns';
import { BpeTokenizer } from './bpe-tokenizer';
import { TOKENIZER_LIMITS } from './limits';
import { loadTokenizer } from './load';

const PATTERNS = ['none', 'gpt2', 'gpt4'] as const;

/** minbpe's training loop as written there: recount all pairs per merge (slow, obviously right). */
function minbpeTrain(text: string | string[], vocabSize: number, pattern: SplitPattern): Array<[number, number]> {
  const utf8 = new TextEncoder();
  const chunks = typeof text === 'string' ? createSplitter(pattern)(text) : text;
  let ids = chunks.map((chunk) => Array.from(utf8.encode(chunk)));
  const merges: Array<[number, number]> = [];
  for (let i = 0; i < vocabSize - 256; i++) {
    const stats = new Map<string, number>(); // insertion order = first seen, like a Python dict
    for (const chunk of ids)
      for (let j = 0; j + 1 < chunk.length; j++) {
        const key = `${chunk[j]},${chunk[j + 1]}`;
        stats.set(key, (stats.get(key) ?? 0) + 1);
      }
    let best: string | undefined;
    for (const [key, count] of stats) if (best === undefined || count > stats.get(best)!) best = key;
    if (best === undefined) break;
    const [a, b] = best.split(',').map(Number) as [number, number];
    merges.push([a, b]);
    ids = ids.map((chunk) => {
      const out: number[] = [];
      for (let j = 0; j < chunk.length; j++) {
        if (j + 1 < chunk.length && chunk[j] === a && chunk[j + 1] === b) {
          out.push(256 + i);
          j++;
        } else out.push(chunk[j]!);
      }
      return out;
    });
  }
  return merges;
}

/** A deterministic pseudo-random text over a small alphabet (many ties and overlaps). */
function randomText(seed: number, length: number, alphabet: string): string {
  let x = seed;
  const chars = [...alphabet];
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += chars[(x >>> 16) % chars.length];
  }
  return out;
}

describe('BpeTokenizer.train', () => {
  it('gives the Wikipedia example', () => {
    const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 259, pattern: 'none' });
    expect(tok.merges).toEqual([
      [97, 97],
      [256, 97],
      [257, 98],
    ]);
    expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
    expect(tok.decode([258, 100, 258, 97, 99])).toBe('aaabdaaabac');
  });

  it.each(golden.cases.filter((c) => 'text' in c))("matches minbpe's merges and ids: $name", (c) => {
    const tok = BpeTokenizer.train(c.text!, { vocabSize: c.vocabSize, pattern: c.pattern as SplitPattern });
    expect(tok.merges).toEqual(c.merges);
    expect(tok.encode(c.text!)).toEqual(c.ids);
  });

  it.each(golden.cases.filter((c) => 'textSource' in c))("matches minbpe's merges on Tiny Shakespeare: $name", async (c) => {
    const full = await readShakespeare();
    const text = c.textSource === 'tinyshakespeare' ? full : full.slice(0, 20000);
    const tok = BpeTokenizer.train(text, { vocabSize: c.vocabSize, pattern: c.pattern as SplitPattern });
    expect(tok.merges).toEqual(c.merges);
    expect(tok.encode(text)).toHaveLength(c.numIds!);
  });

  it.each(PATTERNS.flatMap((p) => [1, 2, 3, 4, 5, 6].map((seed) => [p, seed] as const)))(
    'equals the recount-every-merge loop on random text (%s, seed %i)',
    (pattern, seed) => {
      const text = randomText(seed, 600, seed % 2 ? 'ab ' : "aab c'\n1é🙂");
      const vocabSize = 256 + 40;
      const expected = minbpeTrain(text, vocabSize, pattern);
      const tok = BpeTokenizer.train(text, { vocabSize: 256 + expected.length, pattern });
      expect(tok.merges).toEqual(expected);
    },
  );

  it('gives the last ids to special tokens and keeps them out of training', () => {
    const text = 'hello<|endoftext|>hello<|endoftext|>world';
    const tok = BpeTokenizer.train(text, { vocabSize: 262, pattern: 'none', specialTokens: ['<|endoftext|>'] });
    expect(tok.vocabSize).toBe(262);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 261 });
    expect(tok.merges).toHaveLength(5);
    expect(tok.merges).toEqual(minbpeTrain(['hello', 'hello', 'world'], 261, 'none')); // no pair spans a special token
    expect(tok.encode('x<|endoftext|>')).toEqual([120, 261]);
    expect(tok.encodeOrdinary('<|endoftext|>')).toHaveLength(13);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('counts possible merges right even for an enormous vocabSize, and refuses one over the limit', () => {
    const { maxVocabSize } = TOKENIZER_LIMITS;
    expect(() => BpeTokenizer.train('abcd', { vocabSize: maxVocabSize, pattern: 'none' })).toThrow('(only 3 were possible)');
    expect(() => BpeTokenizer.train('abcd', { vocabSize: 2 ** 44, pattern: 'none' })).toThrow(
      `vocabSize is ${2 ** 44}, over TOKENIZER_LIMITS.maxVocabSize = ${maxVocabSize}. Use a smaller vocabSize.`,
    );
  });

  it('explains a vocabSize too small or too large for the text', () => {
    expect(() => BpeTokenizer.train('abc', { vocabSize: 255 })).toThrow(
      'vocabSize must be an integer of at least 256 + 0 special tokens = 256, got 255',
    );
    expect(() => BpeTokenizer.train('abcd', { vocabSize: 300, pattern: 'none' })).toThrow(
      'too few adjacent pairs for 44 merges (only 3 were possible); use a longer text or a vocabSize of at most 259',
    );
    expect(() => BpeTokenizer.train('abc', { vocabSize: 260, specialTokens: ['x', 'x'] })).toThrow('distinct');
  });
});

describe('split patterns', () => {
  it.each(['gpt2', 'gpt4'] as const)("cut text exactly as Python's regex does (%s)", (pattern) => {
    const split = createSplitter(pattern);
    for (const [i, text] of splits.texts.entries()) expect(split(text)).toEqual(splits[pattern][i]);
  });

  it('refuses a custom pattern (see bpe-patterns.test.ts)', () => {
    expect(() => createSplitter('(unclosed' as SplitPattern)).toThrow('split pattern "(unclosed" is not one of the named patterns');
  });
});

describe('BpeTokenizer encode/decode', () => {
  const trained = Object.fromEntries(
    PATTERNS.map((p) => [p, BpeTokenizer.train(golden.cases[1]!.text!, { vocabSize: 400, pattern: p })]),
  ) as Record<(typeof PATTERNS)[number], BpeTokenizer>;

  it.each(PATTERNS.flatMap((p) => ['', 'a', '🙂', '한국어 텍스트', 'unseen 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text\r\n'].map((t) => [p, t] as const)))(
    'round-trips (%s) %j',
    (pattern, text) => {
      expect(trained[pattern].decode(trained[pattern].encode(text))).toBe(text);
    },
  );

  it('round-trips Tiny Shakespeare', async () => {
    const text = await readShakespeare();
    const tok = BpeTokenizer.train(text, { vocabSize: 512 });
    expect(tok.decode(tok.encode(text)) === text).toBe(true);
  });

  it('merges long chunks with the rank buckets exactly as with the scan', async () => {
    const text = (await readShakespeare()).slice(0, 30000);
    const tok = BpeTokenizer.train(text, { vocabSize: 400, pattern: 'none' });
    const ranks = new MergeRanks(tok.merges);
    const bytes = new TextEncoder().encode(`${text.slice(0, 5000)}aaaaaaa${text.slice(5000, 8000)}`);
    const scan: number[] = [];
    const buckets: number[] = [];
    applyMerges(bytes, ranks, scan, Infinity);
    applyMerges(bytes, ranks, buckets, 0);
    expect(buckets).toEqual(scan);
    expect(scan.length).toBeLessThan(bytes.length * 0.6); // 144 merges: ~1.8 bytes per token
  });

  it('decodes a lone byte of a multi-byte character to U+FFFD', () => {
    expect(trained.gpt4.decode([0xf0, 0x9f])).toBe('\uFFFD');
  });

  it('names an id it cannot decode', () => {
    expect(() => trained.gpt4.decode([65, 400])).toThrow('cannot decode id 400 at index 1: ids must be integers in [0, 400)');
    expect(() => trained.gpt4.decode([-1])).toThrow('cannot decode id -1 at index 0: ids must be integers in [0, 400)');
    const withSpecial = new BpeTokenizer([], { specialTokens: { '<s>': 300 } });
    expect(() => withSpecial.decode([299])).toThrow('cannot decode id 299 at index 0: no token has that id');
  });

  it('saves and loads exactly, through JSON text', () => {
    const tok = BpeTokenizer.train(golden.cases[1]!.text!, { vocabSize: 300, pattern: 'gpt2', specialTokens: ['<s>'] });
    const back = loadTokenizer(JSON.stringify(tok));
    expect(back).toBeInstanceOf(BpeTokenizer);
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect((back as BpeTokenizer).merges).toEqual(tok.merges);
    const sample = 'Hello <s>world 🙂';
    expect(back.encode(sample)).toEqual(tok.encode(sample));
  });

  it('rejects merges that refer to ids not made yet, repeated merges, and special ids among the merges', () => {
    expect(
      () =>
        new BpeTokenizer([
          [97, 97],
          [97, 97],
        ]),
    ).toThrow('merge 1 [97, 97] repeats merge 0');
    expect(
      () =>
        new BpeTokenizer([
          [97, 97],
          [258, 97],
        ]),
    ).toThrow('merge 1 is [258, 97], but only ids below 257 exist');
    expect(() => new BpeTokenizer([[97, 97]], { specialTokens: { '<s>': 256 } })).toThrow(
      'special ids must be distinct integers of at least 257',
    );
  });
});
