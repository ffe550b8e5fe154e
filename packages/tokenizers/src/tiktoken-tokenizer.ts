/**
 * OpenAI's pretrained BPE encodings (GPT-2's and later) through the `tiktoken` WASM package,
 * which ships the ranks, so it works offline. Wraps `tiktoken` only; training a BPE of your own
 * is `BpeTokenizer`. Call `dispose()` to free the WASM memory when done.
 *
 * This module is the only one that imports `tiktoken` (5.6 MB of WASM), and the package is
 * `"sideEffects": false` with this module built as its own file, so a browser bundle that does
 * not use `TiktokenTokenizer` (nor `loadTokenizer`/`createTokenizer`, which can make one) leaves it out.
 */
import { get_encoding, type Tiktoken } from 'tiktoken';
import { show } from './limits';
import { TOKENIZER_FORMAT, checkIds, type TiktokenEncodingName, type TiktokenTokenizerJSON, type Tokenizer } from './types';

/** Number of ids (`n_vocab`) of each encoding; the WASM package does not expose it. */
export const TIKTOKEN_VOCAB_SIZES: Readonly<Record<TiktokenEncodingName, number>> = {
  gpt2: 50257,
  r50k_base: 50257,
  p50k_base: 50281,
  cl100k_base: 100277,
  o200k_base: 200019,
};

/**
 * Ids inside `[0, vocabSize)` that an encoding leaves unassigned, as `[from, to)` ranges (between
 * the last mergeable rank and the special tokens). Decoding one makes the WASM code panic and
 * poisons the encoder, so they are refused before it is called.
 */
const UNASSIGNED: Readonly<Record<TiktokenEncodingName, ReadonlyArray<readonly [number, number]>>> = {
  gpt2: [],
  r50k_base: [],
  p50k_base: [],
  cl100k_base: [
    [100256, 100257],
    [100261, 100276],
  ],
  o200k_base: [
    [199998, 199999],
    [200000, 200018],
  ],
};

/** Options for {@link TiktokenTokenizer}. */
export interface TiktokenTokenizerOptions {
  /**
   * Whether special tokens written in the text (such as `<|endoftext|>`) encode as their special
   * id (`'all'`) or as ordinary text (`'none'`). Default `'all'`.
   */
  allowedSpecial?: 'all' | 'none';
}

export class TiktokenTokenizer implements Tokenizer {
  /** The `type` of this tokenizer's JSON, for `createTokenizerLoader`. */
  static readonly type = 'tiktoken';
  readonly name: string;
  readonly vocabSize: number;
  readonly encoding: TiktokenEncodingName;
  private enc: Tiktoken | null;
  readonly allowedSpecial: 'all' | 'none';
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(encoding: TiktokenEncodingName, options: TiktokenTokenizerOptions = {}) {
    if (typeof encoding !== 'string' || !Object.hasOwn(TIKTOKEN_VOCAB_SIZES, encoding)) {
      throw new Error(`TiktokenTokenizer: unknown encoding ${show(encoding)}; use one of ${Object.keys(TIKTOKEN_VOCAB_SIZES).join(', ')}.`);
    }
    this.encoding = encoding;
    this.name = `tiktoken:${encoding}`;
    this.vocabSize = TIKTOKEN_VOCAB_SIZES[encoding];
    this.allowedSpecial = options.allowedSpecial ?? 'all';
    if (this.allowedSpecial !== 'all' && this.allowedSpecial !== 'none') {
      throw new Error(`TiktokenTokenizer: allowedSpecial must be 'all' or 'none', got ${show(this.allowedSpecial)}.`);
    }
    this.enc = get_encoding(encoding);
  }

  /** Restores a tokenizer saved with `toJSON()`; the constructor checks the encoding and `allowedSpecial`. */
  static fromJSON(json: TiktokenTokenizerJSON): TiktokenTokenizer {
    return new TiktokenTokenizer(json.encoding, { allowedSpecial: json.allowedSpecial ?? 'all' });
  }

  encode(text: string): number[] {
    // Disallow nothing: with allowedSpecial 'none', special tokens in the text are plain text.
    return Array.from(this.live().encode(text, this.allowedSpecial === 'all' ? 'all' : [], []));
  }

  decode(ids: ArrayLike<number>): string {
    checkIds(ids, this.vocabSize, this.name);
    const holes = UNASSIGNED[this.encoding];
    if (holes.length > 0) {
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (holes.some(([from, to]) => id >= from && id < to)) {
          throw new RangeError(`${this.name}: cannot decode id ${id} at index ${i}: the encoding does not assign it.`);
        }
      }
    }
    return this.decoder.decode(this.live().decode(Uint32Array.from(ids)));
  }

  toJSON(): TiktokenTokenizerJSON {
    return { format: TOKENIZER_FORMAT, type: 'tiktoken', encoding: this.encoding, allowedSpecial: this.allowedSpecial };
  }

  /** Frees the WASM memory. The tokenizer cannot be used afterwards. */
  dispose(): void {
    this.enc?.free();
    this.enc = null;
  }

  private live(): Tiktoken {
    if (this.enc === null) throw new Error(`${this.name}: this tokenizer was disposed; create a new one.`);
    return this.enc;
  }
}
