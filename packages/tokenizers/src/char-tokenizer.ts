/**
 * Character-level tokenizer: the lecture's `stoi`/`itos`.
 *
 * The vocabulary is the sorted set of Unicode code points in a text (sorted by code point, as
 * Python's `sorted(set(text))`), so on Tiny Shakespeare it has 65 ids and `"hii there"` encodes
 * to `[46, 47, 47, 1, 58, 46, 43, 56, 43]`. A character is a whole code point: an emoji outside
 * the BMP is one id, not two UTF-16 halves. Non-goals: normalisation, grapheme clusters.
 */
import { TOKENIZER_LIMITS, overLimit } from './limits';
import { TOKENIZER_FORMAT, checkIds, jsonFieldError, type CharTokenizerJSON, type Tokenizer } from './types';

/** Options for {@link CharTokenizer.fromText}. */
export interface CharTokenizerOptions {
  /**
   * What `encode` does with a character that is not in the vocabulary: `'error'` throws an
   * error naming it and its position; `'unk'` adds an `<unk>` id (the last one) and maps it
   * there. Default `'error'`.
   */
  unknown?: 'error' | 'unk';
}

/** How `decode` renders the `<unk>` id: U+FFFD, the Unicode replacement character. */
export const UNK_TEXT = '\uFFFD';

export class CharTokenizer implements Tokenizer {
  /** The `type` of this tokenizer's JSON, for `createTokenizerLoader`. */
  static readonly type = 'char';
  readonly name = 'char';
  readonly vocabSize: number;
  /** The id of `<unk>`, or -1 when unknown characters are an error. */
  readonly unkId: number;
  private readonly chars: readonly string[];
  /** Code unit → id for the Basic Multilingual Plane (-1: not in vocabulary). */
  private readonly bmp = new Int32Array(0x10000).fill(-1);
  /** Code point → id above the BMP. */
  private readonly astral = new Map<number, number>();

  /** Builds the vocabulary from every distinct character in `text`. */
  static fromText(text: string, options: CharTokenizerOptions = {}): CharTokenizer {
    const codePoints = new Set<number>();
    for (const ch of text) codePoints.add(ch.codePointAt(0)!);
    const chars = [...codePoints].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp));
    return new CharTokenizer(chars, (options.unknown ?? 'error') === 'unk');
  }

  /** Restores a tokenizer saved with `toJSON()`, checking every field (the JSON may be untrusted). */
  static fromJSON(json: CharTokenizerJSON): CharTokenizer {
    const where = 'CharTokenizer.fromJSON';
    if (!Array.isArray(json.chars)) throw jsonFieldError(where, 'char', 'chars', 'an array of strings');
    checkSize(json.chars.length, json.unk === true, where); // before looking at each entry
    if (json.chars.some((c) => typeof c !== 'string')) throw jsonFieldError(where, 'char', 'chars', 'an array of strings');
    if (typeof json.unk !== 'boolean') throw jsonFieldError(where, 'char', 'unk', 'true or false');
    return new CharTokenizer(json.chars, json.unk);
  }

  /** `chars[i]` is the character with id i; each must be exactly one code point. */
  constructor(chars: readonly string[], unk = false) {
    checkSize(chars.length, unk, 'CharTokenizer');
    this.chars = [...chars];
    this.chars.forEach((ch, id) => {
      const cp = ch.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== ch) {
        throw new Error(`CharTokenizer: vocabulary entry ${id} (${JSON.stringify(ch)}) is not one character.`);
      }
      if (this.lookup(cp) !== -1) throw new Error(`CharTokenizer: character ${describe(cp)} appears twice in the vocabulary.`);
      if (cp < 0x10000) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    });
    this.unkId = unk ? this.chars.length : -1;
    this.vocabSize = this.chars.length + (unk ? 1 : 0);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) cp = text.codePointAt(i++)!;
      }
      const id = this.lookup(cp);
      if (id >= 0) ids.push(id);
      else if (this.unkId >= 0) ids.push(this.unkId);
      else throw this.unknownError(cp, ids.length);
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    checkIds(ids, this.vocabSize, 'CharTokenizer');
    let out = '';
    for (let i = 0; i < ids.length; i++) out += this.chars[ids[i]!] ?? UNK_TEXT;
    return out;
  }

  toJSON(): CharTokenizerJSON {
    return { format: TOKENIZER_FORMAT, type: 'char', chars: [...this.chars], unk: this.unkId >= 0 };
  }

  private lookup(cp: number): number {
    return cp < 0x10000 ? this.bmp[cp]! : (this.astral.get(cp) ?? -1);
  }

  private unknownError(cp: number, position: number): Error {
    return new Error(
      `CharTokenizer: unknown character ${describe(cp)} at position ${position} (counting characters): ` +
        `it is not among the ${this.chars.length} characters of the vocabulary. Build the tokenizer from ` +
        `text that contains it, or use CharTokenizer.fromText(text, { unknown: 'unk' }) to map unknown ` +
        `characters to <unk>.`,
    );
  }
}

/** Refuses a vocabulary over `maxVocabSize` ids. */
function checkSize(chars: number, unk: boolean, where: string): void {
  const ids = chars + (unk ? 1 : 0);
  if (ids > TOKENIZER_LIMITS.maxVocabSize) {
    throw overLimit(where, 'maxVocabSize', ids, `${chars} characters (+ ${unk ? 1 : 0} for <unk>) make ${ids} ids`);
  }
}

function describe(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${hex})`;
}
