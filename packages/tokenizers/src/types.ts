/**
 * The shapes every tokenizer shares: the `Tokenizer` interface, its saved JSON forms and their
 * format version, and small checks they all use.
 */

/** The versioned save format shared by every tokenizer's `toJSON()`. */
export const TOKENIZER_FORMAT = 'scratchgpt-tokenizer/1';

/** Saved form of a {@link CharTokenizer}. */
export interface CharTokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  type: 'char';
  /** The vocabulary: one Unicode code point per entry, entry i has id i. */
  chars: string[];
  /** Whether the last id is `<unk>` (unknown characters map to it). */
  unk: boolean;
}

/** Saved form of a {@link TiktokenTokenizer}. */
export interface TiktokenTokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  type: 'tiktoken';
  encoding: TiktokenEncodingName;
  /** Whether special tokens in text encode as special ids. Absent means `'all'`. */
  allowedSpecial?: 'all' | 'none';
}

/** Saved form of a {@link BpeTokenizer}. */
export interface BpeTokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  type: 'bpe';
  /**
   * Split pattern: `'none'`, `'gpt2'` or `'gpt4'`. (Older versions also wrote custom regex sources;
   * the package's own GPT-2 and GPT-4 sources still read as their names, others are refused.)
   */
  pattern: string;
  /** Merges in order: merge i joins `[left, right]` into id 256 + i. */
  merges: Array<[number, number]>;
  /** Special tokens and their ids. */
  specialTokens: Record<string, number>;
}

export type TokenizerJSON = CharTokenizerJSON | TiktokenTokenizerJSON | BpeTokenizerJSON;

/** The tiktoken encodings this package offers. */
export type TiktokenEncodingName = 'gpt2' | 'r50k_base' | 'p50k_base' | 'cl100k_base' | 'o200k_base';

/** What every tokenizer in this package does. */
export interface Tokenizer {
  /** A short name for reports, e.g. `char`, `tiktoken:gpt2`, `bpe:512`. */
  readonly name: string;
  /** Number of ids: every id from `encode` is in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** Text to token ids. */
  encode(text: string): number[];
  /** Token ids to text. Never throws on a partial UTF-8 sequence (it becomes U+FFFD). */
  decode(ids: ArrayLike<number>): string;
  /** The tokenizer as plain JSON, restorable with `loadTokenizer`. */
  toJSON(): TokenizerJSON;
  /** Frees memory held outside the JS heap (tiktoken's WASM); absent when there is none. */
  dispose?(): void;
}

/** Throws a RangeError naming the first id outside `[0, vocabSize)`. */
export function checkIds(ids: ArrayLike<number>, vocabSize: number, name: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`${name}: cannot decode id ${id} at index ${i}: ids must be integers in [0, ${vocabSize}).`);
    }
  }
}

/** The error for a saved tokenizer whose field is missing or of the wrong type. */
export function jsonFieldError(where: string, type: string, field: string, expected: string): Error {
  return new Error(`${where}: a ${type} tokenizer needs "${field}" to be ${expected}; the JSON is damaged or hand-edited.`);
}

/** The tokenizer specs `createTokenizer` understands, for help texts (here, so pages can show it without loading tiktoken). */
export const TOKENIZER_SPECS = 'char | tiktoken:<encoding> | bpe:<vocabSize>[:none|gpt2|gpt4]';
