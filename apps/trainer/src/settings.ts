/**
 * What a training run is on the command line: a preset (`PRESETS` of `@scratchgpt/train`: the
 * model's shape and the recipe) plus any field a flag overrides; and how a field reads as a flag.
 */
import { MAX_SEED } from '@scratchgpt/data';
import { configErrorIn, type Preset, type TrainConfig } from '@scratchgpt/train';
import { InvalidArgumentError } from 'commander';

/** The model fields a preset fixes (vocabSize comes from the tokenizer). */
export type ModelSettings = Preset['model'];

/** A flag's value as an integer from `min` to `max` (default: the largest exact integer). */
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `Expected an integer of at least ${min}.` : `Expected an integer from ${min} to ${max}.`,
      );
    return n;
  };
/** A seed flag's value: 0 to 2^32 − 1 (seeds are 32-bit). */
export const seed = integer(0, MAX_SEED);
/** A flag's value as a finite number. */
export const number = (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
  return n;
};

/** Model flags: config fields other than vocabSize (the tokenizer sets it). */
export const MODEL_FLAGS: Array<[keyof ModelSettings, string, (v: string) => unknown]> = [
  ['nLayer', 'transformer blocks', integer(1)],
  ['nHead', 'attention heads', integer(1)],
  ['nEmbd', 'model width (divisible by n-head)', integer(1)],
  ['blockSize', 'context length in tokens', integer(1)],
  ['dropout', 'dropout probability in [0, 1)', number],
];
/** Recipe flags (`sampler` is a choice, added on its own). */
export const TRAIN_FLAGS: Array<[Exclude<keyof TrainConfig, 'sampler'>, string, (v: string) => number]> = [
  ['batchSize', 'rows per micro-batch', integer(1)],
  ['gradAccum', 'micro-batches per step (gradient accumulation)', integer(1)],
  ['maxIters', 'optimizer steps in all', integer(0)],
  ['evalInterval', 'evaluate, sample and checkpoint every N steps', integer(1)],
  ['evalIters', 'batches per split in each evaluation', integer(1)],
  ['lr', 'peak learning rate', number],
  ['minLr', 'learning-rate floor of the cosine decay', number],
  ['warmupIters', 'steps of linear warmup', integer(0)],
  ['lrDecayIters', 'step where the cosine decay reaches min-lr', integer(0)],
  ['weightDecay', 'AdamW decoupled weight decay', number],
  ['beta1', 'AdamW beta1', number],
  ['beta2', 'AdamW beta2', number],
  ['gradClip', 'clip the global gradient norm (0: off)', number],
  ['sampleTokens', 'tokens of sample text at each evaluation (0: none)', integer(0)],
  ['seed', `seed of the weights, batches and samples (0 to ${MAX_SEED})`, seed],
  ['stride', 'with --sampler sliding: tokens between window starts (default: the block size)', integer(1)],
];

/** Every field a flag sets, as `asFlagError` reads them. */
export const FLAG_FIELDS: readonly string[] = [...MODEL_FLAGS.map(([key]) => key), ...TRAIN_FLAGS.map(([key]) => key), 'sampler'];

/** `nEmbd` → `n-embd`: a settings field as its command-line flag. */
export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A config error of the model or the recipe (`GPTConfig: …`, `TrainConfig: …`, read by
 * `configErrorIn`) as the command line says it: `invalid model setting: --n-embd (30) must be …`.
 */
export function asFlagError(error: unknown, fields: readonly string[] = FLAG_FIELDS): Error {
  const found = configErrorIn(error, (field) => (fields.includes(field) ? `--${kebab(field)}` : undefined));
  if (found === undefined) return error instanceof Error ? error : new Error(String(error));
  return new Error(`invalid ${found.kind} setting: ${found.text}`, { cause: error });
}
