import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import golden from '../fixtures/golden.json';
import { BpeTokenizer } from './bpe-tokenizer';
import { fromMinbpeModel, toMinbpeModel } from './minbpe-format';

// Written by minbpe's save() logic from minbpe's merges for vocab 512, GPT-4 pattern, Tiny Shakespeare.
const model = readFileSync(join(import.meta.dirname, '../fixtures/shakespeare-gpt4-512.model'), 'utf8');
const merges = golden.cases.find((c) => c.name === 'shakespeare-gpt4-512')!.merges;

describe('minbpe .model files', () => {
  it("reads minbpe's file: pattern, special tokens and merges", () => {
    const tok = fromMinbpeModel(model);
    expect(tok.pattern).toBe('gpt4');
    expect(tok.merges).toEqual(merges);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 100257 });
    expect(tok.vocabSize).toBe(100258);
    expect(tok.encode('hi<|endoftext|>')).toEqual([tok.merges.findIndex(([a, b]) => a === 104 && b === 105) + 256, 100257]);
  });

  it('writes the same bytes minbpe writes', () => {
    expect(toMinbpeModel(fromMinbpeModel(model))).toBe(model);
  });

  it('round-trips the basic (no pattern) and GPT-2 forms', () => {
    for (const pattern of ['none', 'gpt2'] as const) {
      const tok = BpeTokenizer.train('aaabdaaabac hello hello', { vocabSize: 259, pattern });
      const back = fromMinbpeModel(toMinbpeModel(tok));
      expect(back.toJSON()).toEqual(tok.toJSON());
    }
  });

  it('explains what is wrong with a bad file', () => {
    expect(() => fromMinbpeModel('minbpe v2\n\n0\n')).toThrow('line 1: expected "minbpe v1", found "minbpe v2"');
    expect(() => fromMinbpeModel('minbpe v1\n[a-z]+\n0\n')).toThrow(
      "line 2: the split pattern is not one of minbpe's (none, gpt2, gpt4); if it splits as one of them, pass that name as options.pattern",
    );
    expect(fromMinbpeModel('minbpe v1\n[a-z]+\n0\n97 97\n', { pattern: 'gpt4' }).encode('aaa')).toEqual([256, 97]);
    expect(() => fromMinbpeModel('minbpe v1\n\n1\n<s>\n')).toThrow('line 4: expected "<special token> <id>"');
    expect(() => fromMinbpeModel('minbpe v1\n\n0\n97,97\n')).toThrow('line 4: expected a merge "<left id> <right id>", found "97,97"');
  });
});
