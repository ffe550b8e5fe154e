import { BpeTokenizer, CharTokenizer } from '@scratchgpt/tokenizers';
import { describe, expect, it } from 'vitest';
import { charsCovered } from './eval';

// The loss over every token once is `evaluate` of @scratchgpt/train (tested there); here, the
// characters it is divided by for bits per character.
describe('charsCovered', () => {
  it('counts the characters the targets cover, for any tokenizer', () => {
    const text = 'héllo wörld, héllo wörld';
    const char = CharTokenizer.fromText(text);
    expect(charsCovered(char, char.encode(text))).toBe([...text].length - 1);
    const bpe = BpeTokenizer.train(text.repeat(4), { vocabSize: 265 });
    const ids = bpe.encode(text);
    const first = [...bpe.decode(ids.slice(0, 1))].length;
    expect(charsCovered(bpe, ids)).toBe([...text].length - first);
  });
});
