/**
 * Only the named split patterns are accepted, everywhere a pattern comes in: a user's regular
 * expression could take exponential time (`(a+)+$`) or match nothing and silently encode every
 * text to `[]` (an empty or unknown pattern).
 */
import { describe, expect, it } from 'vitest';
import { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, MINBPE_PATTERNS, SPLIT_PATTERNS, type SplitPattern } from './bpe-patterns';
import { BpeTokenizer } from './bpe-tokenizer';
import { loadTokenizer } from './load';
import { fromMinbpeModel } from './minbpe-format';

// Cast: the point is what happens when untyped input (a file, JavaScript) passes them anyway.
const REFUSED = ['(a+)+$|[\\s\\S]', '', 'gpt5', '\\w+'] as string[] as SplitPattern[];
const bpeJSON = (pattern: string) => ({
  format: 'scratchgpt-tokenizer/1' as const,
  type: 'bpe' as const,
  pattern,
  merges: [],
  specialTokens: {},
});

describe('split patterns', () => {
  it('are the named ones: none, gpt2 and gpt4', () => {
    expect(Object.keys(SPLIT_PATTERNS)).toEqual(['none', 'gpt2', 'gpt4']);
    expect(Object.keys(MINBPE_PATTERNS)).toEqual(Object.keys(SPLIT_PATTERNS));
  });

  it.each(REFUSED)('refuses %j in the constructor, train, loadTokenizer and fromMinbpeModel', (pattern) => {
    const message = `split pattern ${JSON.stringify(pattern)} is not one of the named patterns none, gpt2, gpt4`;
    expect(() => new BpeTokenizer([], { pattern })).toThrow(`BpeTokenizer: ${message}`);
    expect(() => BpeTokenizer.train('aaab', { vocabSize: 257, pattern })).toThrow(`BpeTokenizer.train: ${message}`);
    expect(() => loadTokenizer(bpeJSON(pattern))).toThrow(`BpeTokenizer.fromJSON: ${message}`);
    expect(() => loadTokenizer(JSON.stringify(bpeJSON(pattern)))).toThrow(message);
    expect(() => fromMinbpeModel('minbpe v1\n\n0\n', { pattern })).toThrow(`fromMinbpeModel: ${message}`);
  });

  it('refuses a pattern that is not a string', () => {
    expect(() => loadTokenizer({ ...bpeJSON('gpt4'), pattern: 42 } as never)).toThrow('split pattern 42 is not one of the named patterns');
  });

  it('reads the regex sources older versions could save, as their names', () => {
    // Code that passed the exported sources saved them in toJSON(); they load as the name now.
    for (const [source, name] of [
      [GPT2_SPLIT_PATTERN, 'gpt2'],
      [GPT4_SPLIT_PATTERN, 'gpt4'],
      [MINBPE_PATTERNS.gpt2, 'gpt2'],
    ] as const) {
      const tok = loadTokenizer(bpeJSON(source)) as BpeTokenizer;
      expect(tok.pattern).toBe(name);
      expect(tok.toJSON().pattern).toBe(name);
      expect(new BpeTokenizer([], { pattern: source as SplitPattern }).pattern).toBe(name);
    }
  });

  it('reads what toJSON writes for every named pattern', () => {
    for (const pattern of Object.keys(SPLIT_PATTERNS) as Array<keyof typeof SPLIT_PATTERNS>) {
      const tok = BpeTokenizer.train('hello hello world', { vocabSize: 258, pattern });
      expect(loadTokenizer(JSON.stringify(tok)).toJSON()).toEqual(tok.toJSON());
    }
  });
});
