import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load';

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
});
