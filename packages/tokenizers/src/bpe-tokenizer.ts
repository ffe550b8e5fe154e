/**
 * Byte-level BPE you train on your own text: minbpe's BasicTokenizer (`pattern: 'none'`) and
 * RegexTokenizer (`'gpt2'`, `'gpt4'`) in one class. Ids 0–255 are bytes, merge i gets id 256 + i,
 * special tokens take the last ids. Training gives the same merges as minbpe, in seconds.
 * Non-goals: loading OpenAI's rank files (use `TiktokenTokenizer`), byte shuffling, normalisation.
 */
import { MergeRanks, applyMerges } from './bpe-encode';
import { createSpecialSplitter, createSplitter, type SplitPattern } from './bpe-patterns';
import { learnMerges, type Words } from './bpe-train';
import { TOKENIZER_FORMAT, checkIds, type BpeTokenizerJSON, type Tokenizer } from './types';

/** Options for {@link BpeTokenizer.train}. */
export interface BpeTrainOptions {
  /** Total number of ids: 256 bytes + merges + special tokens. At least 256 + specials. */
  vocabSize: number;
  /**
   * Pre-split pattern: `'none'`, `'gpt2'`, `'gpt4'` or a regex source. Default `'gpt4'` (as minbpe's
   * RegexTokenizer). Text a custom pattern does not match is dropped (as in minbpe): cover every character.
   */
  pattern?: SplitPattern;
  /**
   * Special tokens, given the last ids in this order. Unlike minbpe (which registers them after
   * training on the raw text), they are cut out of the training text, so no merge spans one. Default none.
   */
  specialTokens?: string[];
}

/** Options for the {@link BpeTokenizer} constructor. */
export interface BpeTokenizerOptions {
  /** Pre-split pattern. Default `'gpt4'`. */
  pattern?: SplitPattern;
  /** Special tokens and their ids (ids must not collide with bytes or merges). Default none. */
  specialTokens?: Record<string, number>;
}

const CACHE_LIMIT = 100_000;

export class BpeTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly pattern: SplitPattern;
  /** Merge i joins `[left, right]` into id 256 + i. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  readonly specialTokens: Readonly<Record<string, number>>;
  private readonly vocab: Uint8Array[];
  private readonly specialById = new Map<number, Uint8Array>();
  private readonly ranks: MergeRanks;
  private readonly split: (text: string) => string[];
  private readonly cache = new Map<string, number[]>();
  private readonly specialSplit: ((text: string) => string[]) | undefined;
  private readonly utf8 = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  /** Learns merges from `text` (see {@link BpeTrainOptions}). */
  static train(text: string, options: BpeTrainOptions): BpeTokenizer {
    const { vocabSize, pattern = 'gpt4', specialTokens = [] } = options;
    const numMerges = vocabSize - 256 - specialTokens.length;
    if (!Number.isInteger(vocabSize) || numMerges < 0) {
      throw new Error(
        `BpeTokenizer.train: vocabSize must be an integer of at least 256 + ${specialTokens.length} special tokens ` +
          `= ${256 + specialTokens.length}, got ${vocabSize}.`,
      );
    }
    if (new Set(specialTokens).size !== specialTokens.length || specialTokens.some((s) => s.length === 0)) {
      throw new Error('BpeTokenizer.train: specialTokens must be distinct, non-empty strings.');
    }
    const merges = learnMerges(collectWords(text, createSplitter(pattern), specialTokens), numMerges);
    if (merges.length < numMerges) {
      throw new Error(
        `BpeTokenizer.train: the text has too few adjacent pairs for ${numMerges} merges (only ${merges.length} ` +
          `were possible); use a longer text or a vocabSize of at most ${256 + merges.length + specialTokens.length}.`,
      );
    }
    const specials = Object.fromEntries(specialTokens.map((s, i) => [s, 256 + merges.length + i]));
    return new BpeTokenizer(merges, { pattern, specialTokens: specials });
  }

  static fromJSON(json: BpeTokenizerJSON): BpeTokenizer {
    return new BpeTokenizer(json.merges, { pattern: json.pattern, specialTokens: json.specialTokens });
  }

  constructor(merges: ReadonlyArray<readonly [number, number]>, options: BpeTokenizerOptions = {}) {
    this.pattern = options.pattern ?? 'gpt4';
    this.split = createSplitter(this.pattern);
    if (!Array.isArray(merges) || merges.some((m) => !Array.isArray(m) || m.length !== 2)) {
      throw new Error('BpeTokenizer: merges must be an array of [left, right] id pairs.');
    }
    this.merges = merges.map(([a, b]) => [a, b] as const);
    const seen = new Map<string, number>();
    // 1. Bytes, then each merge's bytes as the concatenation of its parts.
    this.vocab = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
    this.merges.forEach(([a, b], i) => {
      const id = 256 + i;
      const left = this.vocab[a];
      const right = this.vocab[b];
      if (!Number.isInteger(a) || !Number.isInteger(b) || left === undefined || right === undefined) {
        throw new Error(`BpeTokenizer: merge ${i} is [${a}, ${b}], but only ids below ${id} exist at that point.`);
      }
      const previous = seen.get(`${a},${b}`);
      if (previous !== undefined) throw new Error(`BpeTokenizer: merge ${i} [${a}, ${b}] repeats merge ${previous}.`);
      seen.set(`${a},${b}`, i);
      const bytes = new Uint8Array(left.length + right.length);
      bytes.set(left);
      bytes.set(right, left.length);
      this.vocab.push(bytes);
    });
    this.ranks = new MergeRanks(this.merges);
    // 2. Special tokens after the merges.
    this.specialTokens = { ...options.specialTokens };
    for (const [text, id] of Object.entries(this.specialTokens)) {
      if (!Number.isInteger(id) || id < this.vocab.length || this.specialById.has(id)) {
        throw new Error(
          `BpeTokenizer: special token ${JSON.stringify(text)} has id ${id}; special ids must be distinct integers ` +
            `of at least ${this.vocab.length} (bytes and merges come first).`,
        );
      }
      this.specialById.set(id, this.utf8.encode(text));
    }
    this.vocabSize = Math.max(this.vocab.length, ...[...this.specialById.keys()].map((id) => id + 1));
    const specials = Object.keys(this.specialTokens);
    this.specialSplit = specials.length > 0 ? createSpecialSplitter(specials) : undefined;
    this.name = `bpe:${this.vocabSize}`;
  }

  /**
   * Text to ids; special tokens written in the text become their special ids. Text is taken as
   * UTF-8, so a lone surrogate (not valid Unicode) becomes U+FFFD, as in `tiktoken`.
   */
  encode(text: string): number[] {
    if (this.specialSplit === undefined) return this.encodeOrdinary(text);
    const out: number[] = [];
    this.specialSplit(text).forEach((part, i) => {
      if (i % 2 === 1) out.push(this.specialTokens[part]!);
      else this.encodeInto(part, out);
    });
    return out;
  }

  /** Text to ids, treating special tokens as ordinary text. */
  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeInto(text, out);
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    checkIds(ids, this.vocabSize, this.name);
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.vocab[ids[i]!] ?? this.specialById.get(ids[i]!);
      if (bytes === undefined) throw new RangeError(`${this.name}: cannot decode id ${ids[i]} at index ${i}: no token has that id.`);
      parts.push(bytes);
      length += bytes.length;
    }
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return this.decoder.decode(joined);
  }

  /** The bytes an id stands for. */
  tokenBytes(id: number): Uint8Array {
    const bytes = this.vocab[id] ?? this.specialById.get(id);
    if (bytes === undefined) throw new RangeError(`${this.name}: no token has id ${id}.`);
    return bytes.slice();
  }

  toJSON(): BpeTokenizerJSON {
    return {
      format: TOKENIZER_FORMAT,
      type: 'bpe',
      pattern: this.pattern,
      merges: this.merges.map(([a, b]) => [a, b]),
      specialTokens: { ...this.specialTokens },
    };
  }

  private encodeInto(text: string, out: number[]): void {
    for (const chunk of this.split(text)) {
      const cached = this.cache.get(chunk);
      if (cached !== undefined) {
        for (const id of cached) out.push(id);
        continue;
      }
      const start = out.length;
      applyMerges(this.utf8.encode(chunk), this.ranks, out);
      if (chunk.length <= 256) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(chunk, out.slice(start));
      }
    }
  }
}

/** Splits the text (around special tokens, then by pattern) and counts distinct chunks. */
function collectWords(text: string, split: (text: string) => string[], specials: readonly string[]): Words {
  const index = new Map<string, number>();
  const counts: number[] = [];
  createSpecialSplitter(specials)(text).forEach((part, i) => {
    if (i % 2 === 1) return;
    for (const chunk of split(part)) {
      const w = index.get(chunk);
      if (w === undefined) {
        index.set(chunk, counts.length);
        counts.push(1);
      } else {
        counts[w]!++;
      }
    }
  });
  const utf8 = new TextEncoder();
  return { bytes: [...index.keys()].map((chunk) => utf8.encode(chunk)), counts };
}
