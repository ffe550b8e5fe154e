/**
 * A training run as the apps set it up (the `scratchgpt` command and the browser's Train view
 * alike, so both start the same run from the same choices): presets, the text split and encoded,
 * the run's metadata in checkpoints, and the measures of compare (bits per character, median
 * tokens/s, a block in tokens for a context in characters). Browser-safe: no file system, and
 * tokenizers are only types here (nothing pulls in tiktoken's WASM).
 */
import { TRAIN_FRACTION, toTokenArray, trainValSplit, type TokenArray } from '@scratchgpt/data';
import { presets, type GPT, type GPTConfig } from '@scratchgpt/model';
import type { Tokenizer } from '@scratchgpt/tokenizers/core';
import type { CheckpointState, Metric } from './checkpoint';
import { recipes, type TrainConfig } from './config';
import { evaluate } from './estimate-loss';

// 1. Presets: a model shape of `@scratchgpt/model` and the recipe of the same name.

/** A run's starting point: the model's shape (vocabSize comes from the tokenizer) and its recipe. */
export interface Preset {
  description: string;
  model: Omit<GPTConfig, 'vocabSize'>;
  train: TrainConfig;
}

const { vocabSize: _a, ...charCpu } = presets.shakespeareCharCpu;
const { vocabSize: _b, ...char } = presets.shakespeareChar;

/** The preset a run uses when none is named (`--preset`'s default, the Train view's first choice). */
export const DEFAULT_PRESET = 'shakespeare-char-cpu';

/** The presets by the names the apps show (`--preset`). */
export const PRESETS: Readonly<Record<string, Preset>> = {
  'shakespeare-char-cpu': {
    description: "nanoGPT's laptop-CPU run: 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 steps, peak lr 2e-3",
    model: charCpu,
    train: recipes.shakespeareCharCpu,
  },
  'shakespeare-char': {
    description: 'nanoGPT train_shakespeare_char.py: 6 layers, 6 heads, 384 wide, block 256, batch 64, 5000 steps',
    model: char,
    train: recipes.shakespeareChar,
  },
};

/** A preset by name; the error lists the names. */
export function presetOf(name: string): Preset {
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined) throw new Error(`Unknown preset "${name}"; use one of ${Object.keys(PRESETS).join(', ')}.`);
  return preset;
}

// 2. The run's metadata, kept in the checkpoint's `extra`.

/**
 * What the apps keep in a checkpoint's `extra` (`TrainOptions.extra`): the preset, and the text
 * the run trains on. A type, not an interface, so that it is a `Record<string, unknown>` as `extra` is.
 */
export type RunExtra = {
  preset: string;
  /** The text: its path (or file name), sha256, and the encoding it is read in when not UTF-8. */
  data: { path: string; sha256: string; encoding?: string };
};

/** A checkpoint's {@link RunExtra} (a copy), or undefined when it was not written by a run the apps set up. */
export function runExtraOf(state: Pick<CheckpointState, 'extra'>): RunExtra | undefined {
  const extra = state.extra as { preset?: unknown; data?: { path?: unknown; sha256?: unknown; encoding?: unknown } } | undefined;
  const data = extra?.data;
  if (typeof extra?.preset !== 'string' || typeof data?.path !== 'string' || typeof data.sha256 !== 'string') return undefined;
  if (data.encoding !== undefined && typeof data.encoding !== 'string') return undefined;
  return {
    preset: extra.preset,
    data: { path: data.path, sha256: data.sha256, ...(data.encoding === undefined ? {} : { encoding: data.encoding }) },
  };
}

// 3. The text: split by characters (every tokenizer is measured on the same val text), then encoded.

/** The split in words: "the first 90%" of the characters train, "the last 10%" are val (from `TRAIN_FRACTION`). */
export const TRAIN_SHARE = `the first ${Math.round(TRAIN_FRACTION * 100)}%`;
export const VAL_SHARE = `the last ${Math.round((1 - TRAIN_FRACTION) * 100)}%`;

/**
 * The text a tokenizer spec is built from: `bpe:<n>` is trained on the train split only, so the
 * val split stays unseen; the others (`char`, `tiktoken:<encoding>`) take the whole text.
 */
export function tokenizerText(spec: string, text: string): string {
  return spec.startsWith('bpe:') ? trainValSplit(text).train : text;
}

/** Thrown by {@link encodeSplits} for a text whose splits hold less than a block. */
export class TextTooShortError extends Error {
  override name = 'TextTooShortError';
  constructor(
    /** The text's name in the message (its path). */
    readonly source: string,
    /** The tokens of the val split. */
    readonly valTokens: number,
    /** What each split needs: blockSize + 1. */
    readonly needTokens: number,
    /** About how many characters of such text would be enough. */
    readonly suggestedChars: number,
    /** What is wrong, without the advice (a command line says the fix with its flags). */
    readonly problem: string,
  ) {
    super(`${problem} Use a text of roughly ${suggestedChars} characters or more, or a smaller block size.`);
  }
}

/**
 * The train and val token ids of `text` (named `source` in errors): split by characters with
 * `trainValSplit`, each part encoded; each must hold a block and its target (blockSize + 1 tokens),
 * else a {@link TextTooShortError}.
 */
export function encodeSplits(
  text: string,
  tokenizer: Tokenizer,
  blockSize: number,
  source: string,
): { train: TokenArray; val: TokenArray } {
  const split = trainValSplit(text);
  let train: TokenArray;
  let val: TokenArray;
  try {
    train = toTokenArray(tokenizer.encode(split.train));
    val = toTokenArray(tokenizer.encode(split.val));
  } catch (error) {
    throw new Error(`the tokenizer ${tokenizer.name} cannot encode ${source}: ${(error as Error).message}`, { cause: error });
  }
  const need = blockSize + 1;
  if (val.length < need || train.length < need) {
    const chars = Math.ceil((need * text.length) / Math.max(1, val.length) / (1 - TRAIN_FRACTION));
    throw new TextTooShortError(
      source,
      val.length,
      need,
      chars,
      `${source} is too short: ${VAL_SHARE.replace('the', 'its')} (the val split) is ${val.length} tokens (${tokenizer.name}), and a block needs blockSize + 1 = ${need}.`,
    );
  }
  return { train, val };
}

/** Where samples start: a newline, as nanoGPT's; a vocabulary without one starts from id 0. */
export function samplePrompt(tokenizer: Tokenizer): number[] {
  try {
    const ids = tokenizer.encode('\n');
    return ids.length > 0 ? ids : [0];
  } catch {
    return [0];
  }
}

// 4. Measures: the loss per character over a whole text, the speed of training steps, a block in tokens.

/** The loss of a model over every token of a text once (see {@link measureText}). */
export interface TextMeasure {
  /** Mean loss in nats per token. */
  valLoss: number;
  /** Total nats / ln 2 / characters covered: comparable across tokenizers. */
  bitsPerChar: number;
  tokens: number;
  /** Characters (code points) the targets cover. */
  chars: number;
  seconds: number;
}

/** Characters (code points) that the targets `ids[1..]` cover. */
export function charsCovered(tokenizer: Tokenizer, ids: ArrayLike<number>): number {
  const all = Array.from(ids);
  return [...tokenizer.decode(all)].length - [...tokenizer.decode(all.slice(0, 1))].length;
}

/**
 * The loss over every token of `ids` once (`evaluate`, `batchSize` windows at a time): nats per
 * token, which depend on the tokenizer, and bits per character of what they cover, which do not.
 */
export async function measureText(model: GPT, tokenizer: Tokenizer, ids: ArrayLike<number>, batchSize: number): Promise<TextMeasure> {
  const t = performance.now();
  const { nats, tokens } = await evaluate(model, ids, { batchSize });
  const seconds = (performance.now() - t) / 1000;
  const chars = charsCovered(tokenizer, ids);
  return { valLoss: nats / tokens, bitsPerChar: nats / Math.LN2 / chars, tokens, chars, seconds };
}

/** The median of `xs` (the upper one of an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
}

/** The median tokens/s of the training steps among `metrics` (evaluations, those with a valLoss, left out); 0 for none. */
export function medianTokensPerSec(metrics: readonly Metric[]): number {
  return median(metrics.filter((m) => m.valLoss === undefined).map((m) => m.tokensPerSec));
}

/** Characters of the train text that {@link blockTokensFor} measures a tokenizer on. */
export const BLOCK_PROBE_CHARS = 200_000;

/**
 * The block in tokens that covers about `blockChars` characters with this tokenizer, so models
 * with different tokenizers see about the same text a step: characters per token measured on the
 * first {@link BLOCK_PROBE_CHARS} of `trainText` (code points / tokens), and blockSize =
 * max(4, round(blockChars / charsPerToken)).
 */
export function blockTokensFor(tokenizer: Tokenizer, trainText: string, blockChars: number): { charsPerToken: number; blockSize: number } {
  const probe = trainText.slice(0, BLOCK_PROBE_CHARS);
  const charsPerToken = [...probe].length / tokenizer.encode(probe).length;
  return { charsPerToken, blockSize: Math.max(4, Math.round(blockChars / charsPerToken)) };
}
