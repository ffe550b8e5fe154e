/**
 * Starting a training run: a new one from a preset and flags, or the one in `--out` resumed, after
 * checking that the data, tokenizer, model shape and recipe given fit its checkpoint.
 */
import { existsSync, statSync } from 'node:fs';
import { GPT } from '@scratchgpt/model';
import { AdamW, decayedParameters } from '@scratchgpt/train';
import type { Tokenizer } from '@scratchgpt/tokenizers';
import { buildTokenizer, readCorpusText } from './corpus';
import { hasCheckpoint, loadRun, runPath, type Metric, type RunExtra } from './run-dir';
import { checkTrainSettings, kebab, PRESETS, type ModelSettings, type TrainSettings } from './settings';
import type { TrainCommandOptions } from './train';

/** Settings fixed for the life of a run: AdamW keeps them in its state, and the seed made the weights. */
const FIXED_ON_RESUME: ReadonlyArray<keyof TrainSettings> = ['beta1', 'beta2', 'weightDecay', 'seed'];

export interface RunState {
  model: GPT;
  optimizer: AdamW;
  tokenizer: Tokenizer;
  extra: RunExtra;
  metrics: Metric[];
  trainData: number[] | undefined;
  step: number;
}

export async function newRun(opts: TrainCommandOptions, say: (line: string) => void): Promise<RunState> {
  if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw new Error(`--out ${opts.out} is a file; pass a directory for the run.`);
  if (hasCheckpoint(opts.out)) {
    throw new Error(`${opts.out} already holds a model (${runPath(opts.out, 'checkpoint')}); pass --resume to continue it, or another --out for a new run.`);
  }
  const preset = PRESETS[opts.preset];
  if (preset === undefined) throw new Error(`Unknown preset "${opts.preset}"; use one of ${Object.keys(PRESETS).join(', ')}.`);
  const settings: TrainSettings = { ...preset.train, ...opts.train };
  checkTrainSettings(settings);
  const modelSettings: ModelSettings = { ...preset.model, ...opts.model };
  if (modelSettings.attention === 'single' && opts.model.nHead === undefined && modelSettings.nHead !== 1) {
    say(`attention single is one head of size nEmbd: nHead set to 1 (was ${modelSettings.nHead})`);
    modelSettings.nHead = 1;
  }
  const file = await readCorpusText(opts.data ?? 'shakespeare', say);
  const tokenizer = await buildTokenizer(opts.tokenizer ?? 'char', file.text);
  let model: GPT;
  try {
    model = new GPT({ ...modelSettings, vocabSize: tokenizer.vocabSize }, { seed: settings.seed });
  } catch (error) {
    // The config's field names, as the flags that set them.
    const message = (error as Error).message.replace(/^GPTConfig: /, '').replace(/\b(nLayer|nHead|nEmbd|blockSize|dropout)\b/g, (k) => `--${kebab(k)}`);
    throw new Error(`invalid model setting: ${message}`, { cause: error });
  }
  if (opts.initialWeights) {
    const initial = GPT.fromSafetensors(opts.initialWeights, model.config);
    model.namedParameters().forEach(([, p], i) => p.assign(initial.namedParameters()[i]![1]));
    initial.dispose();
  }
  const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), {
    lr: settings.lr,
    betas: [settings.beta1, settings.beta2],
    weightDecay: settings.weightDecay,
  });
  const extra: RunExtra = { preset: opts.preset, settings, data: { path: file.path, sha256: file.sha256 }, seconds: 0, trainSeconds: 0 };
  return { model, optimizer, tokenizer, extra, metrics: [], trainData: undefined, step: 0 };
}

export async function resumeRun(opts: TrainCommandOptions, say: (line: string) => void): Promise<RunState> {
  const run = await loadRun(opts.out);
  const fail = (message: string): never => {
    run.model.dispose();
    run.optimizer.dispose();
    throw new Error(message);
  };
  const { extra } = run;
  // Data: the same text as before.
  if (opts.data !== undefined) {
    const file = await readCorpusText(opts.data, say);
    if (file.sha256 !== extra.data.sha256) fail(`--data ${file.path} is not the text this run was trained on (${extra.data.path}, sha256 ${extra.data.sha256.slice(0, 12)}…).`);
    extra.data.path = file.path;
  } else {
    const file = await readCorpusText(extra.data.path, say).catch((error: Error) => fail(`the run's data cannot be read (${error.message}); pass --data with the same text.`));
    if (file.sha256 !== extra.data.sha256) fail(`${file.path} changed since this run was trained on it; pass --data with the original text.`);
  }
  // Tokenizer, model and recipe: what was given must fit the checkpoint.
  if (opts.tokenizer !== undefined) {
    const file = await readCorpusText(extra.data.path, say);
    const given = await buildTokenizer(opts.tokenizer, file.text);
    const fits = JSON.stringify(given.toJSON()) === JSON.stringify(run.tokenizer.toJSON());
    given.dispose?.();
    if (!fits) fail(`--tokenizer ${opts.tokenizer} does not fit the checkpoint, which was trained with ${run.tokenizer.name} (${run.tokenizer.vocabSize} ids); leave --tokenizer out to resume.`);
  }
  if (opts.preset !== extra.preset && opts.presetGiven) fail(`the run was trained with preset ${extra.preset}, not ${opts.preset}.`);
  for (const [key, value] of Object.entries(opts.model)) {
    const saved = run.model.config[key as keyof ModelSettings];
    if (saved !== value) fail(`the run's ${key} is ${JSON.stringify(saved)}; --${kebab(key)} ${JSON.stringify(value)} does not fit its checkpoint. Leave it out to resume, or start a new run with another --out.`);
  }
  for (const [key, value] of Object.entries(opts.train) as Array<[keyof TrainSettings, number]>) {
    const was = extra.settings[key];
    if (was === value) continue;
    if (FIXED_ON_RESUME.includes(key)) fail(`${key} cannot change when resuming (the run's is ${was}): ${FIXED_ON_RESUME.join(', ')} are fixed for a run.`);
    say(`changed on resume: ${key} ${was} → ${value}`);
    extra.settings = { ...extra.settings, [key]: value };
  }
  checkTrainSettings(extra.settings);
  say(`resuming ${opts.out} at step ${run.step}`);
  return { model: run.model, optimizer: run.optimizer, tokenizer: run.tokenizer, extra, metrics: run.metrics, trainData: run.data, step: run.step };
}
