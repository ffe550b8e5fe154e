/**
 * The recipe of a training run: nanoGPT's `train.py` settings in camelCase, plus how batches are
 * drawn. Checked field by field (the error names the field, its value, the rule and the fix), with
 * the recipes of nanoGPT's Shakespeare runs and the rule for what may change when a run resumes.
 */
import { BATCH_SAMPLERS, MAX_SEED, type BatchSamplerKind } from '@scratchgpt/data';

export interface TrainConfig {
  /** Rows per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step (gradient accumulation). Default 1. */
  gradAccum?: number;
  /** Optimizer steps in all. */
  maxIters: number;
  /** Evaluate (sample, checkpoint) every this many steps. Default 250. */
  evalInterval?: number;
  /** Batches per split in each evaluation. Default 200 (nanoGPT). */
  evalIters?: number;
  /** Peak learning rate. */
  lr: number;
  /** Floor of the cosine decay. Default `lr / 10`. */
  minLr?: number;
  /** Steps of linear warmup. Default 0. */
  warmupIters?: number;
  /** Step where the cosine decay reaches `minLr`. Default `maxIters`. */
  lrDecayIters?: number;
  /** AdamW's decoupled weight decay. Default 0.1. */
  weightDecay?: number;
  /** AdamW's first-moment decay. Default 0.9. */
  beta1?: number;
  /** AdamW's second-moment decay. Default 0.95 (nanoGPT; its Shakespeare runs use 0.99). */
  beta2?: number;
  /** Clip the global gradient norm to this; 0 turns it off. Default 1. */
  gradClip?: number;
  /** Tokens sampled at each evaluation; 0: none. Default 0. */
  sampleTokens?: number;
  /** Seed of the batches and samples (the weights and dropout masks come from the model's seed). Default 1337. */
  seed?: number;
  /** How training batches are drawn: `random` windows (nanoGPT) or `sliding` windows in shuffled epochs (Raschka). Default `random`. */
  sampler?: BatchSamplerKind;
  /** `sliding` only: tokens between window starts. Default: the model's blockSize (windows that do not overlap). */
  stride?: number;
}

/** A config with every default filled in (`stride` stays unset for `random`, or means blockSize). */
export type ResolvedTrainConfig = Required<Omit<TrainConfig, 'stride'>> & Pick<TrainConfig, 'stride'>;

/** The config without its undefined fields (an undefined field means its default). */
export function withoutUndefined(config: TrainConfig): TrainConfig {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as unknown as TrainConfig;
}

/** Checks a config and fills in its defaults; the error names the field, its value, the rule and the fix. */
export function resolveTrainConfig(config: TrainConfig): ResolvedTrainConfig {
  const fail = (message: string): never => {
    throw new Error(`TrainConfig: ${message}`);
  };
  if (config === null || typeof config !== 'object') fail('pass an object, e.g. recipes.shakespeareCharCpu.');
  const c: ResolvedTrainConfig = {
    gradAccum: 1,
    evalInterval: 250,
    evalIters: 200,
    minLr: config.lr / 10,
    warmupIters: 0,
    lrDecayIters: config.maxIters,
    weightDecay: 0.1,
    beta1: 0.9,
    beta2: 0.95,
    gradClip: 1,
    sampleTokens: 0,
    seed: 1337,
    sampler: 'random',
    ...withoutUndefined(config),
  };
  for (const key of ['batchSize', 'gradAccum', 'evalInterval', 'evalIters'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) fail(`${key} must be a positive integer, got ${c[key]}.`);
  }
  for (const key of ['maxIters', 'warmupIters', 'lrDecayIters', 'sampleTokens', 'seed'] as const) {
    if (!Number.isSafeInteger(c[key]) || c[key] < 0) fail(`${key} must be a non-negative integer, got ${c[key]}.`);
  }
  if (c.seed > MAX_SEED)
    fail(`seed must be at most ${MAX_SEED} (seeds are 32-bit: a larger one would repeat a smaller one's run), got ${c.seed}.`);
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) fail(`lr must be a positive number, got ${c.lr}.`);
  if (!(c.minLr >= 0 && c.minLr <= c.lr)) fail(`minLr must be between 0 and lr (${c.lr}), got ${c.minLr}.`);
  if (c.lrDecayIters < c.warmupIters) fail(`lrDecayIters (${c.lrDecayIters}) must be at least warmupIters (${c.warmupIters}).`);
  if (!(c.weightDecay >= 0)) fail(`weightDecay must be 0 or more, got ${c.weightDecay}.`);
  for (const key of ['beta1', 'beta2'] as const) if (!(c[key] >= 0 && c[key] < 1)) fail(`${key} must be in [0, 1), got ${c[key]}.`);
  if (!(c.gradClip >= 0)) fail(`gradClip must be 0 (off) or more, got ${c.gradClip}.`);
  if (!Object.hasOwn(BATCH_SAMPLERS, c.sampler))
    fail(`sampler must be one of ${Object.keys(BATCH_SAMPLERS).join(', ')}, got ${JSON.stringify(c.sampler)}.`);
  if (c.stride !== undefined) {
    if (c.sampler !== 'sliding') fail(`stride (${c.stride}) is for sampler "sliding"; set sampler: "sliding", or leave stride out.`);
    if (!Number.isInteger(c.stride) || c.stride < 1)
      fail(`stride must be a positive integer (1 = a window at every token), got ${c.stride}.`);
  }
  return c;
}

/**
 * Fields fixed for the life of a run: AdamW keeps betas and weight decay in its state, and the seed,
 * sampler and stride fix the order of the batches. The rest (schedule, budget, batch size, …) may
 * change when a run resumes.
 */
export const FIXED_ON_RESUME = ['beta1', 'beta2', 'weightDecay', 'seed', 'sampler', 'stride'] as const satisfies ReadonlyArray<
  keyof TrainConfig
>;

/** One field a resumed run changes. */
export interface ConfigChange {
  key: keyof TrainConfig;
  from: unknown;
  to: unknown;
}

/**
 * The config to continue a run with: the run's own (as it was given: a default such as
 * `lrDecayIters = maxIters` stays derived) with `changes` applied, and what changed. Throws when a
 * change touches a field that is fixed for a run ({@link FIXED_ON_RESUME}), or breaks a rule.
 */
export function resumeConfig(saved: TrainConfig, changes: Partial<TrainConfig>): { config: TrainConfig; changed: ConfigChange[] } {
  const run = resolveTrainConfig(saved);
  const changed: ConfigChange[] = [];
  for (const [key, to] of Object.entries(changes) as Array<[keyof TrainConfig, unknown]>) {
    const from = run[key];
    if (to === undefined || to === from) continue;
    if ((FIXED_ON_RESUME as ReadonlyArray<string>).includes(key)) {
      throw new Error(
        `TrainConfig: ${key} cannot change when a run resumes (the run's is ${JSON.stringify(from ?? null)}, given ${JSON.stringify(to)}): ${FIXED_ON_RESUME.join(', ')} are fixed for a run; start a new run to change it.`,
      );
    }
    changed.push({ key, from, to });
  }
  const config = { ...withoutUndefined(saved), ...Object.fromEntries(changed.map((c) => [c.key, c.to])) } as TrainConfig;
  resolveTrainConfig(config); // the merged recipe keeps the rules
  return { config, changed };
}

/** nanoGPT's `config/train_shakespeare_char.py`, less what differs between its two runs. */
const shakespeare = {
  gradAccum: 1,
  evalInterval: 250,
  lr: 1e-3,
  minLr: 1e-4,
  warmupIters: 100,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  gradClip: 1,
  sampleTokens: 200,
  seed: 1337,
  sampler: 'random',
} as const;

/** The recipes of the model presets of the same names (`presets` of `@scratchgpt/model`). */
export const recipes = {
  /**
   * nanoGPT's README run "on a CPU": batch 12, 2000 steps, 20 evaluation batches; peak lr 2e-3
   * instead of 1e-3 (measured here over 2000 steps: 1e-3 ends at val 1.92, 2e-3 at 1.82).
   */
  shakespeareCharCpu: { ...shakespeare, lr: 2e-3, batchSize: 12, maxIters: 2000, lrDecayIters: 2000, evalIters: 20 },
  /** `config/train_shakespeare_char.py`: batch 64, 5000 steps, 200 evaluation batches. */
  shakespeareChar: { ...shakespeare, batchSize: 64, maxIters: 5000, lrDecayIters: 5000, evalIters: 200 },
} as const satisfies Record<string, TrainConfig>;

/**
 * A config error of the model or the recipe (`GPTConfig: nEmbd (30) must be …`, `TrainConfig: …`)
 * as an app says it: which config it is about, and the text with each field the app names
 * (`nameOf`) put in its words (`--n-embd` on a command line, `"n-embd"` in a form). Undefined for
 * any other error. One home for reading these messages, so the CLI and the browser agree.
 */
export function configErrorIn(
  error: unknown,
  nameOf: (field: string) => string | undefined,
): { kind: 'model' | 'training'; text: string } | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^(GPTConfig|TrainConfig): /.exec(message);
  if (match === null) return undefined;
  const text = message.slice(match[0].length).replace(/\b[a-z][A-Za-z0-9]*\b/g, (word) => nameOf(word) ?? word);
  return { kind: match[1] === 'GPTConfig' ? 'model' : 'training', text };
}
