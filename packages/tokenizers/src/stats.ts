import type { Tokenizer } from './types';

/** How a tokenizer compresses a text: the numbers to compare tokenizers on. */
export interface CompressionStats {
  /** Characters (Unicode code points). */
  chars: number;
  /** UTF-8 bytes. */
  bytes: number;
  tokens: number;
  tokensPerChar: number;
  charsPerToken: number;
  bytesPerToken: number;
}

/** Encodes `text` and reports characters, bytes and tokens and their ratios. */
export function compressionStats(tokenizer: Tokenizer, text: string): CompressionStats {
  const tokens = tokenizer.encode(text).length;
  const chars = countChars(text);
  const bytes = new TextEncoder().encode(text).length;
  return {
    chars,
    bytes,
    tokens,
    tokensPerChar: chars === 0 ? 0 : tokens / chars,
    charsPerToken: tokens === 0 ? 0 : chars / tokens,
    bytesPerToken: tokens === 0 ? 0 : bytes / tokens,
  };
}

/** Tokens per character of `text` (lower is more compression). */
export function tokensPerChar(tokenizer: Tokenizer, text: string): number {
  return compressionStats(tokenizer, text).tokensPerChar;
}

/** UTF-8 bytes per token of `text` (higher is more compression). */
export function bytesPerToken(tokenizer: Tokenizer, text: string): number {
  return compressionStats(tokenizer, text).bytesPerToken;
}

/** Number of Unicode code points in a string. */
export function countChars(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
