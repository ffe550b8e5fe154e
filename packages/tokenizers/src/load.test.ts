import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load';

describe('loadTokenizer', () => {
  it('rejects another format version, naming both', () => {
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/2', type: 'char' } as never)).toThrow(
      'unsupported format "scratchgpt-tokenizer/2"; this version reads "scratchgpt-tokenizer/1"',
    );
  });

  it('rejects an unknown type and a non-object', () => {
    expect(() => loadTokenizer({ format: 'scratchgpt-tokenizer/1', type: 'wordpiece' } as never)).toThrow('unknown tokenizer type "wordpiece"');
    expect(() => loadTokenizer('42')).toThrow('expected a tokenizer JSON object');
  });
});
