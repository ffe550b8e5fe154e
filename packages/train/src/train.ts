/**
 * The training loop, top to bottom as nanoGPT's `train.py`: batches from a sampler, the learning
 * rate of the step, an evaluation (with a sample and a checkpoint) every `evalInterval` steps, and
 * one optimizer step over `gradAccum` micro-batches, split into passes that fit memory and shared
 * among threads; it stops at `maxIters`, at a time budget, on `signal` (saving first) or on a
 * non-finite loss (keeping the last good checkpoint), and a run continues exactly from its
 * checkpoint. What happens is reported as events. It reads tensors only asynchronously and imports
 * nothing from Node, so the same loop runs in Node and in a browser worker.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import * as tf from '@tensorflow/tfjs-core';
import { checkTokenIds, createBatchSource, toTokenArray, type BatchSource } from '@scratchgpt/data';
import type { GPT } from '@scratchgpt/model';
import { AdamW, decayedParameters } from './adamw';
import { writeCheckpoint, type CheckpointState, type CheckpointStore, type Metric, type TrainingState } from './checkpoint';
import { FIXED_ON_RESUME, resolveTrainConfig, withoutUndefined, type ResolvedTrainConfig, type TrainConfig } from './config';
import { estimateLoss } from './estimate-loss';
import { cosineSchedule } from './lr-schedule';
import { defaultPassBudget, planPassRows, type PassMemory } from './memory-plan';
import { localSteps, type ParallelFactory, type StepRunner } from './train-step';

export interface TrainOptions {
  /** Token ids of the train and val splits (e.g. `trainValSplit` of `@scratchgpt/data`). */
  data: { train: ArrayLike<number>; val: ArrayLike<number> };
  /** The recipe (e.g. `recipes.shakespeareCharCpu`). On resume its fixed fields must be the run's (`resumeConfig` merges changes). */
  config: TrainConfig;
  /** Continue a run: `restoreCheckpoint(bytes)`'s optimizer and state (pass its model as `model`). */
  resume?: { optimizer: AdamW; state: CheckpointState };
  /** Where checkpoints go: after every evaluation but the first, at the end, and on abort. Default: none are written. */
  checkpoints?: CheckpointStore;
  /** Kept in every checkpoint: the tokenizer's JSON, so the run can be sampled and resumed on its own. */
  tokenizer?: unknown;
  /** Kept in every checkpoint: anything of yours (e.g. where the data came from). */
  extra?: Record<string, unknown>;
  /** Where a step's passes run. Default: this thread (`localSteps`). In Node, `threads(n)` of `@scratchgpt/train/node`. */
  parallel?: ParallelFactory;
  /** Bytes one forward + backward pass may take; a thread's rows that need more run in passes (the same step). Default: 3 GB on wasm (its heap stops at 4 GB), else no limit. */
  memoryBudget?: number;
  /** Token ids that start the samples at evaluations. Default `[0]`. */
  samplePrompt?: number[];
  /** Stop after this many seconds in training steps (evaluations not counted), evaluating and saving there. */
  budgetSeconds?: number;
  /** Stops the run after the current step; a checkpoint is saved and the result says `interrupted`. */
  signal?: AbortSignal;
  /** Called with each event, in order; a returned promise is awaited before the loop goes on. */
  onEvent?: (event: TrainEvent) => unknown;
}

/** What the loop reports. */
export type TrainEvent =
  /** The loop starts at `step`: its threads and the rows of one pass (`memory`: what a pass costs, when measured). */
  | {
      type: 'start';
      step: number;
      resumed: boolean;
      threads: number;
      rowsPerThread: number;
      maxRows: number;
      memory?: PassMemory;
      tokensPerStep: number;
    }
  /** An optimizer step ended (its metric's `step` counts the steps done). */
  | { type: 'step'; metric: Metric }
  /** An evaluation: train and val estimates at `metric.step`. */
  | { type: 'eval'; metric: Metric }
  /** A sample after an evaluation: the prompt and the new tokens. */
  | { type: 'sample'; step: number; valLoss: number; ids: number[] }
  /** A checkpoint was written to the store. */
  | { type: 'checkpoint'; step: number };

/** How a run ended. */
export interface TrainResult {
  /** Optimizer steps done in all (the run's, not this call's). */
  step: number;
  /** Wall-clock seconds of the run, and seconds in training steps only. */
  seconds: number;
  trainSeconds: number;
  /** Every metric of the run. */
  metrics: Metric[];
  /** Stopped by `signal` (a checkpoint was saved), not at `maxIters` or the budget. */
  interrupted: boolean;
}

/** The loss (or the weights) stopped being finite: training stopped, and the last good checkpoint was kept. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  /** What happened, e.g. "the loss became NaN at step 5 (lr 3.00e+38), so training stopped." */
  readonly problem: string;
  constructor(
    readonly value: number,
    readonly step: number,
    where: string,
    /** The step of the last checkpoint written to the store, if any. */
    readonly checkpointStep: number | undefined,
    what = 'the loss',
  ) {
    const problem = `${what} became ${value} at step ${step} ${where}, so training stopped.`;
    const kept = checkpointStep === undefined ? 'No checkpoint was saved yet' : `The last good checkpoint (step ${checkpointStep}) is kept`;
    super(`${problem} ${kept}; resume it with a lower lr or gradClip.`);
    this.problem = problem;
  }
}

/** How the samples at evaluations are drawn (nanoGPT's `sample.py`): temperature 0.8, the 200 likeliest tokens. */
export const SAMPLE_OPTIONS = { temperature: 0.8, topK: 200 } as const;

/** Trains `model` on `options.data` with `options.config`; see {@link TrainOptions}. */
export async function train(model: GPT, options: TrainOptions): Promise<TrainResult> {
  const emit = async (event: TrainEvent) => void (await options.onEvent?.(event));
  // 1. The recipe, the data, and where the run stands: a new run, or a checkpoint's state.
  const given = withoutUndefined(options.config); // what the checkpoint keeps: defaults such as lrDecayIters = maxIters stay derived
  const config = resolveTrainConfig(given);
  const { blockSize, vocabSize } = model.config;
  const data = { train: toTokenArray(options.data.train), val: toTokenArray(options.data.val) };
  checkTokenIds(data.train, vocabSize, 'the train split');
  checkTokenIds(data.val, vocabSize, 'the val split');
  const batches = (kind: ResolvedTrainConfig['sampler'], split: 'train' | 'val', seed: number) => {
    try {
      return createBatchSource(kind, data[split], { batchSize: config.batchSize, blockSize, stride: config.stride, seed });
    } catch (error) {
      throw new RangeError(`the ${split} split does not fit the model and recipe: ${(error as Error).message}`, { cause: error });
    }
  };
  const trainBatches = batches(config.sampler, 'train', config.seed);
  const evalTrain = batches('random', 'train', config.seed + 1);
  const evalVal = batches('random', 'val', config.seed + 2);
  const fingerprint = dataFingerprint(data.train, data.val);
  const state: TrainingState = options.resume
    ? resumedState(model, options.resume, config, given, fingerprint)
    : {
        config: given,
        data: fingerprint,
        batches: { train: trainBatches.getState(), evalTrain: evalTrain.getState(), evalVal: evalVal.getState() },
        metrics: [],
        seconds: 0,
        trainSeconds: 0,
      };
  trainBatches.setState(state.batches.train);
  evalTrain.setState(state.batches.evalTrain);
  evalVal.setState(state.batches.evalVal);
  const owned = options.resume === undefined; // the optimizer this call makes, it disposes
  const optimizer =
    options.resume?.optimizer ??
    new AdamW(model.namedParameters(), decayedParameters(model), {
      lr: config.lr,
      betas: [config.beta1, config.beta2],
      weightDecay: config.weightDecay,
    });
  const lrAt = cosineSchedule({ lr: config.lr, warmupIters: config.warmupIters, decayIters: config.lrDecayIters, minLr: config.minLr });
  const tokensPerStep = config.batchSize * blockSize * config.gradAccum;
  const start = optimizer.stepCount;
  const evaluated = new Set(state.metrics.filter((m) => m.valLoss !== undefined).map((m) => m.step));
  const done = (interrupted: boolean): TrainResult => ({
    step: optimizer.stepCount,
    seconds: state.seconds,
    trainSeconds: state.trainSeconds,
    metrics: state.metrics,
    interrupted,
  });
  if (options.resume && start >= config.maxIters && evaluated.has(start)) {
    if (owned) optimizer.dispose();
    return done(false); // already trained this far
  }

  // 2. Passes that fit memory, and the threads that run them.
  let runner: StepRunner | undefined;
  try {
    const { maxRows, memory } = await planPassRows(model, options.memoryBudget ?? defaultPassBudget());
    runner = await (options.parallel ?? localSteps)(model, { maxRows });
    await emit({
      type: 'start',
      step: start,
      resumed: options.resume !== undefined,
      threads: runner.threads,
      rowsPerThread: Math.ceil(config.batchSize / runner.threads),
      maxRows,
      memory,
      tokensPerStep,
    });
  } catch (error) {
    await runner?.close();
    if (owned) optimizer.dispose();
    throw error;
  }

  // 3. The loop.
  const toTensors = (source: BatchSource) => () => source.next().toTensors(tf);
  let savedStep = options.resume && options.checkpoints ? start : undefined; // the last step in the store
  let clock = performance.now();
  let tokensPerSec = 0;
  const notFinite = (value: number, step: number, where: string, what?: string) =>
    new NonFiniteLossError(value, step, where, savedStep, what);
  const record = async (type: 'step' | 'eval', metric: Metric) => {
    state.metrics.push(metric);
    await emit({ type, metric });
  };
  const save = async (step: number) => {
    if (!(await parametersFinite(model))) throw notFinite(Number.NaN, step, '(in the weights, found before saving)');
    state.seconds += (performance.now() - clock) / 1000;
    clock = performance.now();
    state.batches = { train: trainBatches.getState(), evalTrain: evalTrain.getState(), evalVal: evalVal.getState() };
    if (!options.checkpoints) return;
    await options.checkpoints.save(
      await writeCheckpoint(model, optimizer, { training: state, tokenizer: options.tokenizer, extra: options.extra }),
    );
    savedStep = step;
    await emit({ type: 'checkpoint', step });
  };
  try {
    for (let step = start; ; step++) {
      // 3a. A stop asked for (Ctrl-C, a Stop button): save here; a resumed run evaluates this step if it is due.
      if (options.signal?.aborted) {
        if (savedStep !== step) await save(step);
        return done(true);
      }
      // 3b. Every evalInterval steps, and at the end: estimate both losses, sample, checkpoint.
      const final = step >= config.maxIters || (options.budgetSeconds !== undefined && state.trainSeconds >= options.budgetSeconds);
      if ((step % config.evalInterval === 0 || final) && !evaluated.has(step)) {
        const est = await estimateLoss(model, { train: toTensors(evalTrain), val: toTensors(evalVal) }, config.evalIters);
        evaluated.add(step);
        for (const split of ['train', 'val'] as const)
          if (!Number.isFinite(est[split]!)) throw notFinite(est[split]!, step, 'at evaluation', `the ${split} loss estimate`);
        await record('eval', {
          step,
          loss: est.train!,
          lr: lrAt(step),
          tokensPerSec,
          valLoss: est.val!,
          seconds: state.trainSeconds,
          epoch: trainBatches.epoch,
        });
        if (config.sampleTokens > 0) {
          const ids = await model.generate(options.samplePrompt ?? [0], {
            ...SAMPLE_OPTIONS,
            maxNewTokens: config.sampleTokens,
            seed: config.seed,
          });
          await emit({ type: 'sample', step, valLoss: est.val!, ids });
        }
        if (step > 0) await save(step);
      }
      if (final) {
        if (savedStep !== step) await save(step);
        return done(false);
      }

      // 3c. One optimizer step: gradAccum micro-batches at this step's learning rate.
      const t = performance.now();
      const lr = lrAt(step);
      const microBatches = Array.from({ length: config.gradAccum }, () => trainBatches.next());
      const { loss, gradNorm } = await runner.step(microBatches, optimizer, { lr, gradClip: config.gradClip });
      if (!Number.isFinite(loss)) throw notFinite(loss, step, `(lr ${lr.toExponential(2)})`);
      if (!Number.isFinite(gradNorm)) throw notFinite(gradNorm, step, `(lr ${lr.toExponential(2)})`, 'the gradient norm');
      const stepSeconds = (performance.now() - t) / 1000;
      state.trainSeconds += stepSeconds;
      tokensPerSec = tokensPerStep / stepSeconds;
      await record('step', { step: step + 1, loss, lr, tokensPerSec, gradNorm, epoch: trainBatches.epoch });
      await nextTask(); // lets an abort (Ctrl-C, a Stop button) arrive between steps
    }
  } finally {
    await runner.close();
    if (owned) optimizer.dispose();
  }
}

/** The resumed run's state, after checking that the model, the recipe and the data are the run's. */
function resumedState(
  model: GPT,
  resume: NonNullable<TrainOptions['resume']>,
  config: ResolvedTrainConfig,
  given: TrainConfig,
  fingerprint: TrainingState['data'],
): TrainingState {
  const { state } = resume;
  const saved = state.training;
  if (saved === undefined)
    throw new Error(
      'train: the checkpoint has no training state (a loop of your own wrote it); start a new run from its weights instead of resuming it.',
    );
  if (JSON.stringify(state.config) !== JSON.stringify(model.config))
    throw new Error("train: the model's config is not the checkpoint's; pass the model restoreCheckpoint() rebuilt.");
  const run = resolveTrainConfig(saved.config);
  for (const key of FIXED_ON_RESUME) {
    if (run[key] !== config[key]) {
      throw new Error(
        `train: ${key} is ${JSON.stringify(run[key] ?? null)} in the run and ${JSON.stringify(config[key] ?? null)} in the config; ${FIXED_ON_RESUME.join(', ')} are fixed for a run (resumeConfig(saved, changes) merges the rest).`,
      );
    }
  }
  if (saved.data.sha256 !== fingerprint.sha256) {
    throw new Error(
      `train: the data is not the run's (${fingerprint.trainTokens} + ${fingerprint.valTokens} tokens, sha256 ${fingerprint.sha256.slice(0, 12)}…; the run's: ${saved.data.trainTokens} + ${saved.data.valTokens}, ${saved.data.sha256.slice(0, 12)}…); resume on the text and tokenizer it was trained with.`,
    );
  }
  return { ...saved, config: given, metrics: [...saved.metrics] };
}

/** Token counts and a sha256 over both splits' ids (as int32). */
function dataFingerprint(train: ArrayLike<number>, val: ArrayLike<number>): TrainingState['data'] {
  const hash = sha256.create();
  for (const ids of [train, val]) {
    const int32 = ids instanceof Int32Array ? ids : Int32Array.from(ids);
    hash.update(new Uint8Array(int32.buffer, int32.byteOffset, int32.byteLength));
  }
  return { trainTokens: train.length, valTokens: val.length, sha256: bytesToHex(hash.digest()) };
}

/** Whether every weight is a finite number (one update can break them while its loss looked fine); one asynchronous read. */
async function parametersFinite(model: GPT): Promise<boolean> {
  const all = tf.tidy(() => tf.stack(model.parameters().map((p) => tf.all(tf.isFinite(p)))));
  try {
    return (await all.data()).every((v) => v === 1);
  } finally {
    all.dispose();
  }
}

/** A macrotask (setImmediate in Node, a zero timeout elsewhere): what lets a signal's handler run. */
const nextTask = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
