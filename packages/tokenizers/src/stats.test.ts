import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer';
import { bytesPerToken, compressionStats, countChars, tokensPerChar } from './stats';
import { TiktokenTokenizer } from './tiktoken-tokenizer';

describe('compression stats', () => {
  it('counts characters as code points and bytes as UTF-8', () => {
    expect(countChars('a🙂한')).toBe(3);
    const char = CharTokenizer.fromText('a🙂한');
    expect(compressionStats(char, 'a🙂한')).toEqual({
      chars: 3,
      bytes: 8,
      tokens: 3,
      tokensPerChar: 1,
      charsPerToken: 1,
      bytesPerToken: 8 / 3,
    });
  });

  it('shows BPE compressing more than characters', () => {
    const gpt2 = new TiktokenTokenizer('gpt2');
    expect(gpt2.encode('hello world')).toHaveLength(2);
    expect(tokensPerChar(gpt2, 'hello world')).toBeCloseTo(2 / 11, 12);
    expect(bytesPerToken(gpt2, 'hello world')).toBeCloseTo(5.5, 12);
    gpt2.dispose();
  });

  it('handles empty text without dividing by zero', () => {
    const char = CharTokenizer.fromText('');
    expect(compressionStats(char, '')).toEqual({ chars: 0, bytes: 0, tokens: 0, tokensPerChar: 0, charsPerToken: 0, bytesPerToken: 0 });
  });
});
