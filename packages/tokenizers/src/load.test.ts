import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { TOKENIZER_KINDS, loadTokenizer } from './load';
import { createTokenizerLoader } from './loader';

describe('loadTokenizer', () => {
  it('rejects another format version, naming both', () => {
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/2', type: 'char' } as never)).toThrow(
      'unsupported format "scratchgpt-tokenizer/2"; this version reads "scratchgpt-tokenizer/1"',
    );
  });

  it('names a missing or damaged field', () => {
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/1', type: 'bpe', pattern: 'gpt4' } as never)).toThrow(
      'a bpe tokenizer needs "merges" to be an array of [left, right] pairs',
    );
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/1', type: 'char', chars: ['a', 1], unk: false } as never)).toThrow(
      'a char tokenizer needs "chars" to be an array of strings',
    );
  });

  it('rejects an unknown type and a non-object', () => {
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/1', type: 'wordpiece' } as never)).toThrow(
      'unknown tokenizer type "wordpiece"',
    );
    expect(() => loadTokenizer('42')).toThrow('expected a tokenizer JSON object');
  });

  it('reads every kind of the package; a loader made for some kinds names what it reads', () => {
    expect(TOKENIZER_KINDS.map((k) => k.type)).toEqual(['char', 'bpe', 'tiktoken']);
    const load = createTokenizerLoader([CharTokenizer, BpeTokenizer]);
    expect(load(JSON.stringify(CharTokenizer.fromText('ab'))).encode('ba')).toEqual([1, 0]);
    expect(() => load({ format: 'scratchgpt-tokenizer/1', type: 'tiktoken', encoding: 'gpt2' })).toThrow(
      'unknown tokenizer type "tiktoken"; this loader reads char, bpe. For another of this package\'s kinds, add its class to ' +
        "createTokenizerLoader's kinds, or use loadTokenizer, which reads them all.",
    );
  });
});
