/**
 * Byte-level BPE you train on your own text: minbpe's BasicTokenizer (`pattern: 'none'`) and
 * RegexTokenizer (`'gpt2'`, `'gpt4'`) in one class. Ids 0–255 are bytes, merge i gets id 256 + i,
 * special tokens take the last ids. Training gives the same merges as minbpe, in seconds.
 * Non-goals: loading OpenAI's rank files (use `TiktokenTokenizer`), byte shuffling, normalisation.
 *
 * Merges and special tokens may come from an untrusted file, so they are checked against
 * `TOKENIZER_LIMITS` (token lengths computed from their parts' lengths, as integers) before any
 * token is built.
 */
import { MergeRanks, applyMerges } from './bpe-encode';
import { createSpecialSplitter, createSplitter, toSplitPattern, type SplitPattern } from './bpe-patterns';
import { learnMerges, type Words } from './bpe-train';
import { TOKENIZER_LIMITS, overLimit, show, utf8Length } from './limits';
import { TOKENIZER_FORMAT, checkIds, jsonFieldError, type BpeTokenizerJSON, type Tokenizer } from './types';

/** Options for {@link BpeTokenizer.train}. */
export interface BpeTrainOptions {
  /** Total number of ids: 256 bytes + merges + special tokens. At least 256 + specials. */
  vocabSize: number;
  /** Pre-split pattern: `'none'`, `'gpt2'` or `'gpt4'`. Default `'gpt4'` (as minbpe's RegexTokenizer). */
  pattern?: SplitPattern;
  /**
   * Special tokens, given the last ids in this order. Unlike minbpe (which registers them after
   * training on the raw text), they are cut out of the training text, so no merge spans one. Default none.
   */
  specialTokens?: string[];
}

/** Options for the {@link BpeTokenizer} constructor. */
export interface BpeTokenizerOptions {
  /** Pre-split pattern: `'none'`, `'gpt2'` or `'gpt4'`. Default `'gpt4'`. */
  pattern?: SplitPattern;
  /** Special tokens and their ids (ids must not collide with bytes or merges). Default none. */
  specialTokens?: Record<string, number>;
}

const CACHE_LIMIT = 100_000;

/** What to do when training learns a token over `maxTokenBytes`. */
const TRAIN_ADVICE =
  "Train with a split pattern ('gpt4' or 'gpt2') or a smaller vocabSize: without one, a text with long repeats merges into ever longer tokens.";

export class BpeTokenizer implements Tokenizer {
  /** The `type` of this tokenizer's JSON, for `createTokenizerLoader`. */
  static readonly type = 'bpe';
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
    const { vocabSize, specialTokens = [] } = options;
    const where = 'BpeTokenizer.train';
    const pattern = toSplitPattern(options.pattern ?? 'gpt4', where);
    const numMerges = vocabSize - 256 - specialTokens.length;
    if (!Number.isInteger(vocabSize) || numMerges < 0) {
      throw new Error(
        `${where}: vocabSize must be an integer of at least 256 + ${specialTokens.length} special tokens ` +
          `= ${256 + specialTokens.length}, got ${vocabSize}.`,
      );
    }
    if (vocabSize > TOKENIZER_LIMITS.maxVocabSize) {
      throw overLimit(where, 'maxVocabSize', vocabSize, `vocabSize is ${vocabSize}`, 'Use a smaller vocabSize.');
    }
    if (new Set(specialTokens).size !== specialTokens.length || specialTokens.some((s) => s.length === 0)) {
      throw new Error(`${where}: specialTokens must be distinct, non-empty strings.`);
    }
    const specials = Object.fromEntries(specialTokens.map((s, i) => [s, vocabSize - specialTokens.length + i]));
    checkSpecialTokens(specials, vocabSize - specialTokens.length, where); // before the work of training
    const merges = learnMerges(collectWords(text, createSplitter(pattern), specialTokens), numMerges);
    checkMerges(merges, where, TRAIN_ADVICE);
    if (merges.length < numMerges) {
      throw new Error(
        `BpeTokenizer.train: the text has too few adjacent pairs for ${numMerges} merges (only ${merges.length} ` +
          `were possible); use a longer text or a vocabSize of at most ${256 + merges.length + specialTokens.length}.`,
      );
    }
    return new BpeTokenizer(merges, { pattern, specialTokens: specials });
  }

  /** Restores a tokenizer saved with `toJSON()`, checking every field (the JSON may be untrusted). */
  static fromJSON(json: BpeTokenizerJSON): BpeTokenizer {
    const where = 'BpeTokenizer.fromJSON';
    const pattern = toSplitPattern(json.pattern, where);
    if (!Array.isArray(json.merges)) throw jsonFieldError(where, 'bpe', 'merges', 'an array of [left, right] pairs');
    if (typeof json.specialTokens !== 'object' || json.specialTokens === null || Array.isArray(json.specialTokens)) {
      throw jsonFieldError(where, 'bpe', 'specialTokens', 'an object of token → id');
    }
    return new BpeTokenizer(json.merges, { pattern, specialTokens: json.specialTokens });
  }

  constructor(merges: ReadonlyArray<readonly [number, number]>, options: BpeTokenizerOptions = {}) {
    // 1. Check everything against the limits before building anything.
    this.pattern = toSplitPattern(options.pattern ?? 'gpt4', 'BpeTokenizer');
    checkMerges(merges, 'BpeTokenizer');
    const specialTokens = checkSpecialTokens(options.specialTokens ?? {}, 256 + merges.length, 'BpeTokenizer');
    this.split = createSplitter(this.pattern);
    this.merges = merges.map(([a, b]) => [a, b] as const);
    // 2. Bytes, then each merge's bytes as the concatenation of its parts.
    this.vocab = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
    for (const [a, b] of this.merges) {
      const left = this.vocab[a]!;
      const right = this.vocab[b]!;
      const bytes = new Uint8Array(left.length + right.length);
      bytes.set(left);
      bytes.set(right, left.length);
      this.vocab.push(bytes);
    }
    this.ranks = new MergeRanks(this.merges);
    // 3. Special tokens after the merges.
    this.specialTokens = specialTokens;
    for (const [text, id] of Object.entries(specialTokens)) this.specialById.set(id, this.utf8.encode(text));
    let vocabSize = this.vocab.length;
    for (const id of this.specialById.keys()) vocabSize = Math.max(vocabSize, id + 1);
    this.vocabSize = vocabSize;
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

/**
 * Checks merges in one pass over integers: shape, ids made before use, no repeats, and each
 * token's length (from its parts' lengths) and all tokens' total length within the limits.
 */
function checkMerges(merges: unknown, where: string, advice?: string): asserts merges is ReadonlyArray<readonly [number, number]> {
  if (!Array.isArray(merges)) throw new Error(`${where}: merges must be an array of [left, right] id pairs.`);
  const ids = 256 + merges.length;
  if (ids > TOKENIZER_LIMITS.maxVocabSize) {
    throw overLimit(where, 'maxVocabSize', ids, `${merges.length} merges make ${ids} ids`, advice);
  }
  const lengths = new Int32Array(ids).fill(1, 0, 256);
  const seen = new Map<number, number>();
  let total = 256;
  for (let i = 0; i < merges.length; i++) {
    const merge: unknown = merges[i];
    const id = 256 + i;
    if (!Array.isArray(merge) || merge.length !== 2) {
      throw new Error(`${where}: merge ${i} is ${show(merge)}; merges must be [left, right] id pairs.`);
    }
    const [a, b] = merge as [unknown, unknown];
    if (
      !Number.isInteger(a) ||
      !Number.isInteger(b) ||
      (a as number) < 0 ||
      (b as number) < 0 ||
      (a as number) >= id ||
      (b as number) >= id
    ) {
      throw new Error(`${where}: merge ${i} is [${show(a)}, ${show(b)}], but only ids below ${id} exist at that point.`);
    }
    const key = (a as number) * TOKENIZER_LIMITS.maxVocabSize + (b as number);
    const previous = seen.get(key);
    if (previous !== undefined) throw new Error(`${where}: merge ${i} [${a}, ${b}] repeats merge ${previous}.`);
    seen.set(key, i);
    const length = lengths[a as number]! + lengths[b as number]!;
    const what = `merge ${i} ([${a}, ${b}]) makes`;
    if (length > TOKENIZER_LIMITS.maxTokenBytes)
      throw overLimit(where, 'maxTokenBytes', length, `${what} a token of ${length} bytes`, advice);
    total += length;
    if (total > TOKENIZER_LIMITS.maxTotalTokenBytes) {
      throw overLimit(where, 'maxTotalTokenBytes', total, `${what} the tokens ${total} bytes in all`, advice);
    }
    lengths[id] = length;
  }
}

/** Checks special tokens (count, text, ids from `firstId` on and within the vocabulary limit); returns a copy. */
function checkSpecialTokens(specialTokens: unknown, firstId: number, where: string): Record<string, number> {
  if (typeof specialTokens !== 'object' || specialTokens === null || Array.isArray(specialTokens)) {
    throw new Error(`${where}: specialTokens must be an object of token → id.`);
  }
  const entries = Object.entries(specialTokens as Record<string, unknown>);
  if (entries.length > TOKENIZER_LIMITS.maxSpecialTokens) {
    throw overLimit(where, 'maxSpecialTokens', entries.length, `there are ${entries.length} special tokens`);
  }
  const ids = new Set<number>();
  for (const [text, id] of entries) {
    if (text.length === 0) throw new Error(`${where}: special tokens must be non-empty strings; one is "" (id ${show(id)}).`);
    const bytes = utf8Length(text);
    if (bytes > TOKENIZER_LIMITS.maxTokenBytes) {
      throw overLimit(where, 'maxTokenBytes', bytes, `special token ${show(text)} is ${bytes} bytes long`);
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id < firstId || ids.has(id)) {
      throw new Error(
        `${where}: special token ${show(text)} has id ${show(id)}; special ids must be distinct integers ` +
          `of at least ${firstId} (bytes and merges come first).`,
      );
    }
    if (id >= TOKENIZER_LIMITS.maxVocabSize) {
      throw overLimit(
        where,
        'maxVocabSize',
        id + 1,
        `special token ${show(text)} has id ${id}, so the vocabulary would have ${id + 1} ids`,
      );
    }
    ids.add(id);
  }
  return Object.fromEntries(entries) as Record<string, number>;
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
