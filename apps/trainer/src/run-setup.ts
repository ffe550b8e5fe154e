/**
 * Starting a training run: a new one from a preset and flags, or the one in `--out` resumed, after
 * checking that the data, tokenizer, model shape and recipe given fit its checkpoint. The text is
 * read once, here (or given by `compare`, which reads it once for every contender).
 */
import type { TokenArray } from '@scratchgpt/data';
import { GPT, headsFor } from '@scratchgpt/model';
import type { Tokenizer } from '@scratchgpt/tokenizers';
import {
  resolveTrainConfig,
  resumeConfig,
  type AdamW,
  type CheckpointState,
  type Metric,
  presetOf,
  type ResolvedTrainConfig,
  type RunExtra,
  type TrainConfig,
} from '@scratchgpt/train';
import { buildTokenizer, readCorpusText, tokenizeCorpus, type CorpusFile } from './corpus';
import { checkRunDirectory, hasCheckpoint, loadRun, runPath } from './run-dir';
import { asFlagError, kebab, type ModelSettings } from './settings';

export interface RunOptions {
  preset: string;
  /** Whether --preset was given (on resume it must then match the run's). */
  presetGiven?: boolean;
  /** A text file or a dataset name; on resume, default: the run's own. */
  data?: string;
  /** The text's encoding (`--encoding`, a WHATWG label); default UTF-8. On resume, the run's. */
  encoding?: string;
  /** The text, already read (then `data` is not read again). */
  file?: CorpusFile;
  /** Tokenizer spec or JSON path; default `char`. */
  tokenizer?: string;
  /** That tokenizer, already built (`compare` builds it once to size the block). */
  prebuilt?: Tokenizer;
  /** Model fields given on the command line. */
  model: Partial<ModelSettings>;
  /** Recipe fields given on the command line. */
  train: Partial<TrainConfig>;
  out: string;
  resume: boolean;
  /** Initial weights for a new run: a safetensors file in nanoGPT's layout (e.g. another attention kind's). */
  initialWeights?: Uint8Array;
}

/** A run ready for `train`: its model, tokenizer, token ids, recipe and, when resumed, its checkpoint. */
export interface PreparedRun {
  model: GPT;
  tokenizer: Tokenizer;
  file: CorpusFile;
  ids: { train: TokenArray; val: TokenArray };
  /** The recipe as given (what `train` takes and the checkpoint keeps), and with its defaults filled in. */
  config: TrainConfig;
  recipe: ResolvedTrainConfig;
  extra: RunExtra;
  /** The checkpoint to continue (absent for a new run). */
  resume?: { optimizer: AdamW; state: CheckpointState };
  /** The run's metrics so far, and its step. */
  metrics: Metric[];
  step: number;
}

export async function newRun(opts: RunOptions, say: (line: string) => void): Promise<PreparedRun> {
  if (hasCheckpoint(opts.out)) {
    throw new Error(
      `${opts.out} already holds a model (${runPath(opts.out, 'checkpoint')}); pass --resume to continue it, or another --out for a new run.`,
    );
  }
  checkRunDirectory(opts.out, true);
  const preset = presetOf(opts.preset);
  const config: TrainConfig = { ...preset.train, ...opts.train };
  let recipe: ResolvedTrainConfig;
  try {
    recipe = resolveTrainConfig(config);
  } catch (error) {
    throw asFlagError(error);
  }
  const settings: ModelSettings = { ...preset.model, ...opts.model };
  const nHead = opts.model.nHead ?? headsFor(settings.attention, settings.nHead);
  if (nHead !== settings.nHead)
    say(`attention ${settings.attention} is one head of size nEmbd: nHead set to ${nHead} (was ${settings.nHead})`);
  const file = opts.file ?? (await readCorpusText(opts.data ?? 'shakespeare', say, opts.encoding));
  const tokenizer = opts.prebuilt ?? (await buildTokenizer(opts.tokenizer ?? 'char', file.text));
  let model: GPT | undefined;
  try {
    model = new GPT({ ...settings, nHead, vocabSize: tokenizer.vocabSize }, { seed: recipe.seed });
    if (opts.initialWeights) {
      const initial = GPT.fromSafetensors(opts.initialWeights, model.config);
      for (const [i, [, p]] of model.namedParameters().entries()) p.assign(initial.namedParameters()[i]![1]);
      initial.dispose();
    }
    const ids = tokenizeCorpus(file, tokenizer, model.config.blockSize);
    return {
      model,
      tokenizer,
      file,
      ids,
      config,
      recipe,
      extra: {
        preset: opts.preset,
        data: { path: file.path, sha256: file.sha256, ...(file.encoding === undefined ? {} : { encoding: file.encoding }) },
      },
      metrics: [],
      step: 0,
    };
  } catch (error) {
    model?.dispose();
    tokenizer.dispose?.();
    throw asFlagError(error);
  }
}

export async function resumeRun(opts: RunOptions, say: (line: string) => void): Promise<PreparedRun> {
  checkRunDirectory(opts.out, false);
  const run = await loadRun(opts.out);
  const fail = (message: string | Error): never => {
    run.model.dispose();
    run.optimizer.dispose();
    run.tokenizer.dispose?.();
    throw typeof message === 'string' ? new Error(message) : message;
  };
  const { extra } = run;
  // 1. Data: the same text as before, read once.
  let file: CorpusFile;
  if (opts.data !== undefined) {
    file = await readCorpusText(opts.data, say, opts.encoding ?? extra.data.encoding).catch(fail);
    if (file.sha256 !== extra.data.sha256)
      fail(`--data ${file.path} is not the text this run was trained on (${extra.data.path}, sha256 ${extra.data.sha256.slice(0, 12)}…).`);
    extra.data.path = file.path;
  } else {
    file = await readCorpusText(extra.data.path, say, opts.encoding ?? extra.data.encoding).catch((error: Error) =>
      fail(`the run's data cannot be read (${error.message}); pass --data with the same text.`),
    );
    if (file.sha256 !== extra.data.sha256)
      fail(`${file.path} changed since this run was trained on it; pass --data with the original text.`);
  }
  // 2. Tokenizer, model and recipe: what was given must fit the checkpoint.
  if (opts.tokenizer !== undefined) {
    const given = await buildTokenizer(opts.tokenizer, file.text).catch(fail);
    const fits = JSON.stringify(given.toJSON()) === JSON.stringify(run.tokenizer.toJSON());
    given.dispose?.();
    if (!fits)
      fail(
        `--tokenizer ${opts.tokenizer} does not fit the checkpoint, which was trained with ${run.tokenizer.name} (${run.tokenizer.vocabSize} ids); leave --tokenizer out to resume.`,
      );
  }
  if (opts.preset !== extra.preset && opts.presetGiven) fail(`the run was trained with preset ${extra.preset}, not ${opts.preset}.`);
  for (const [key, value] of Object.entries(opts.model)) {
    const saved = run.model.config[key as keyof ModelSettings];
    if (saved !== value)
      fail(
        `the run's ${key} is ${JSON.stringify(saved)}; --${kebab(key)} ${JSON.stringify(value)} does not fit its checkpoint. Leave it out to resume, or start a new run with another --out.`,
      );
  }
  let config: TrainConfig = run.training.config;
  try {
    const resumed = resumeConfig(run.training.config, opts.train);
    config = resumed.config;
    for (const { key, from, to } of resumed.changed) say(`changed on resume: ${key} ${from} → ${to}`);
  } catch (error) {
    fail(asFlagError(error));
  }
  let ids: PreparedRun['ids'];
  try {
    ids = tokenizeCorpus(file, run.tokenizer, run.model.config.blockSize);
  } catch (error) {
    return fail(error as Error);
  }
  say(`resuming ${opts.out} at step ${run.state.step}`);
  return {
    model: run.model,
    tokenizer: run.tokenizer,
    file,
    ids,
    config,
    recipe: resolveTrainConfig(config),
    extra,
    resume: { optimizer: run.optimizer, state: run.state },
    metrics: run.training.metrics,
    step: run.state.step,
  };
}
