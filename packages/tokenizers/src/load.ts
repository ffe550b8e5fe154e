/**
 * `loadTokenizer`: the loader for every kind of tokenizer in this package, tiktoken's included.
 * In a browser bundle it brings tiktoken's WASM along; `createTokenizerLoader` (loader.ts) makes
 * one for fewer kinds that does not.
 */
import { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { loadWith, type TokenizerKind } from './loader';
import { TiktokenTokenizer } from './tiktoken-tokenizer';
import type { Tokenizer, TokenizerJSON } from './types';

/** Every kind of tokenizer in this package, by JSON `type`: what {@link loadTokenizer} reads. */
export const TOKENIZER_KINDS: readonly TokenizerKind[] = [CharTokenizer, BpeTokenizer, TiktokenTokenizer];

/**
 * Restores any tokenizer of this package from its `toJSON()` form (an object or a JSON string),
 * checking the format version, and every field against `TOKENIZER_LIMITS`.
 */
export function loadTokenizer(json: TokenizerJSON | string): Tokenizer {
  return loadWith(json, TOKENIZER_KINDS);
}
