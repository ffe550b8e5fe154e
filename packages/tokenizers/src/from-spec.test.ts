import { describe, expect, it } from 'vitest';
import type { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { createTokenizer } from './from-spec';
import type { TiktokenTokenizer } from './tiktoken-tokenizer';

const text = 'the quick brown fox jumps over the lazy dog '.repeat(20);

describe('createTokenizer', () => {
  it('builds each kind from its spec', () => {
    expect(createTokenizer('char', text)).toBeInstanceOf(CharTokenizer);
    const gpt2 = createTokenizer('tiktoken:gpt2') as TiktokenTokenizer;
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    gpt2.dispose();
    const bpe = createTokenizer('bpe:270:gpt2', text) as BpeTokenizer;
    expect([bpe.vocabSize, bpe.pattern, bpe.name]).toEqual([270, 'gpt2', 'bpe:270']);
    expect((createTokenizer('bpe:260', text) as BpeTokenizer).pattern).toBe('gpt4');
  });

  it('explains a bad spec', () => {
    expect(() => createTokenizer('wordpiece', text)).toThrow(
      'Unknown tokenizer "wordpiece"; use char | tiktoken:<encoding> | bpe:<vocabSize>',
    );
    expect(() => createTokenizer('bpe:lots', text)).toThrow('Unknown tokenizer "bpe:lots"');
    expect(() => createTokenizer('bpe:300:gpt3', text)).toThrow('Unknown BPE split pattern "gpt3"');
    expect(() => createTokenizer('tiktoken:gpt5')).toThrow('Unknown tiktoken encoding "gpt5" in "tiktoken:gpt5"; use one of gpt2');
    expect(() => createTokenizer('char')).toThrow('Tokenizer "char" is built from text; pass the training text.');
  });
});
