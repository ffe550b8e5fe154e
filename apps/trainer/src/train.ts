/**
 * `scratchgpt train`: the training loop of `@scratchgpt/train` with what a terminal user needs
 * around it: 1. the backend; 2. a new run or the one in `--out` (data, tokenizer and settings
 * checked against it); 3. the run directory (checkpoint, metrics, plot, samples) and a progress
 * bar, fed by the loop's events; 4. Ctrl-C saves a checkpoint and stops (the command then exits
 * with 130, as an interrupted program does; twice: at once). The run directory is locked while a
 * run writes it (see dir-lock.ts).
 * `compare` trains its contenders through {@link trainRun} too.
 */
import { NonFiniteLossError, samplePrompt, train, type Metric, type TrainConfig } from '@scratchgpt/train';
import { selectBackend, type ActiveBackend, type BackendChoice } from './backend';
import { commandLine } from './command';
import { withDirectoryLock } from './dir-lock';
import { createProgress, formatDuration } from './progress';
import { checkRunExists, runCheckpoints, runFiles, runPath } from './run-dir';
import { newRun, resumeRun, type PreparedRun } from './run-setup';
import type { ModelSettings } from './settings';
import { parallelFor } from './threads';

export interface TrainCommandOptions {
  preset: string;
  /** Whether --preset was given (on resume it must then match the run's). */
  presetGiven?: boolean;
  /** A text file or a dataset name; on resume, default: the run's own. */
  data?: string;
  /** The text's encoding (`--encoding`, a WHATWG label); default UTF-8. */
  encoding?: string;
  /** Tokenizer spec or JSON path; default `char`. */
  tokenizer?: string;
  /** Model fields given on the command line. */
  model: Partial<ModelSettings>;
  /** Recipe fields given on the command line. */
  train: Partial<TrainConfig>;
  out: string;
  resume: boolean;
  backend: BackendChoice;
  /** Threads that train: a number, or `auto` (every core on wasm and cpu, one on native TensorFlow). Default `auto`. */
  workers?: number | 'auto';
  /** Print a log line every this many steps when not on a terminal. Default 50. */
  logInterval?: number;
  /** Draw a progress bar (default: whether stderr is a terminal). */
  tty?: boolean;
}

/** What a finished (or interrupted) run did. */
export interface TrainSummary {
  out: string;
  steps: number;
  /** Wall-clock seconds in all, and in training steps only. */
  seconds: number;
  trainSeconds: number;
  params: number;
  metrics: Metric[];
  interrupted: boolean;
}

const say = (line: string) => console.error(line);

export async function trainCommand(opts: TrainCommandOptions): Promise<TrainSummary> {
  // 1. Backend.
  const backend = await selectBackend(opts.backend);
  say(`backend: ${backend.name} (${backend.reason})`);
  // 2. A new run, or the one in --out, which is ours alone while we train.
  if (opts.resume) checkRunExists(opts.out); // before the lock creates it
  return withDirectoryLock(opts.out, 'train', () => trainLocked(opts, backend));
}

async function trainLocked(opts: TrainCommandOptions, backend: ActiveBackend): Promise<TrainSummary> {
  const run = opts.resume ? await resumeRun(opts, say) : await newRun(opts, say);
  try {
    if (opts.resume && run.step >= run.recipe.maxIters) {
      say(
        `${opts.out} is already trained to step ${run.step} (--max-iters ${run.recipe.maxIters}): nothing to do. Pass a larger --max-iters to train further.`,
      );
      return summary(opts.out, run, { step: run.step, metrics: run.metrics, interrupted: false });
    }
    // 3, 4. Train it, files and terminal fed by the loop, Ctrl-C turned into a stop.
    return await withInterrupts((signal) => trainRun(run, { ...opts, backend, signal }));
  } finally {
    run.model.dispose();
    run.resume?.optimizer.dispose();
    run.tokenizer.dispose?.();
  }
}

/**
 * A command stopped by Ctrl-C (or SIGTERM) after keeping what it had: the program says what was
 * kept and exits with 130, as an interrupted program does, so scripts see it did not finish.
 */
export class InterruptedError extends Error {}

/** How {@link trainRun} trains and shows a run. */
export interface TrainRunOptions {
  out: string;
  backend: ActiveBackend;
  workers?: number | 'auto';
  logInterval?: number;
  tty?: boolean;
  /** Stop after this many seconds of training steps, evaluating and saving there. */
  budgetSeconds?: number;
  /** Stop after the current step, saving. */
  signal?: AbortSignal;
}

/** Trains a prepared run with the library's loop, into its run directory, with progress on the terminal. */
export async function trainRun(run: PreparedRun, opts: TrainRunOptions): Promise<TrainSummary> {
  const { model, tokenizer, recipe } = run;
  const { blockSize } = model.config;
  say(
    `model: ${formatCount(model.numParams())} parameters, ${model.config.nLayer} layers, ${model.config.nHead} heads, ` +
      `${model.config.nEmbd} wide, block ${blockSize}, attention ${model.config.attention}; tokenizer ${tokenizer.name} (${tokenizer.vocabSize} ids)`,
  );
  say(
    `data: ${run.file.path}: ${run.ids.train.length} train and ${run.ids.val.length} val tokens; ${recipe.sampler} batches${recipe.sampler === 'sliding' ? ` (stride ${recipe.stride ?? blockSize})` : ''}`,
  );
  const parallel = parallelFor(opts.workers ?? 'auto', opts.backend.name, recipe.batchSize); // checks --workers
  const write = runFiles(opts.out, {
    metrics: run.metrics,
    fresh: run.resume === undefined,
    tokenizer,
    title: `${run.extra.preset}, ${tokenizer.name}: loss against step`,
  });
  const tokensPerStep = recipe.batchSize * blockSize * recipe.gradAccum;
  const progress = createProgress({
    tty: opts.tty ?? process.stderr.isTTY === true,
    startStep: run.step,
    maxIters: recipe.maxIters,
    logInterval: opts.logInterval ?? 50,
    tokensPerStep,
  });
  const onAbort = () => progress.log('Ctrl-C: saving a checkpoint after this step (press Ctrl-C again to quit without saving)');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const started = performance.now();
  const elapsed = () => (run.resume?.state.training?.seconds ?? 0) + (performance.now() - started) / 1000;
  let smoothed = 0;
  try {
    const result = await train(model, {
      data: run.ids,
      config: run.config,
      resume: run.resume,
      checkpoints: runCheckpoints(opts.out),
      tokenizer: tokenizer.toJSON(),
      extra: run.extra,
      parallel,
      samplePrompt: samplePrompt(tokenizer),
      budgetSeconds: opts.budgetSeconds,
      signal: opts.signal,
      onEvent: async (event) => {
        await write(event);
        if (event.type === 'start') {
          const plan =
            event.rowsPerThread > event.maxRows
              ? `; a pass takes ${mb(event.memory!.bytesPerRow)} per row, so each thread's ${event.rowsPerThread} rows run in passes of ${event.maxRows} (gradient accumulation: same step)`
              : '';
          say(`threads: ${event.threads}${event.threads > 1 ? ' (data parallel: each takes a share of every batch)' : ''}${plan}`);
        } else if (event.type === 'eval') {
          progress.log(
            `step ${event.metric.step}: train loss ${event.metric.loss.toFixed(4)}, val loss ${event.metric.valLoss!.toFixed(4)} (${formatDuration(elapsed())})`,
          );
        } else if (event.type === 'sample') {
          progress.log(`--- sample at step ${event.step} ---${tokenizer.decode(event.ids)}\n---`);
        } else if (event.type === 'step') {
          const m = event.metric;
          smoothed = smoothed === 0 ? m.tokensPerSec : 0.9 * smoothed + 0.1 * m.tokensPerSec; // for the display and ETA
          progress.update({ step: m.step, loss: m.loss, lr: m.lr, tokensPerSec: smoothed });
        }
      },
    });
    if (result.interrupted) {
      progress.log(
        `interrupted: checkpoint at step ${result.step} saved in ${runPath(opts.out, 'checkpoint')}; continue with \`${commandLine('train', '--out', opts.out, '--resume')}\``,
      );
    } else {
      progress.stop();
      const last = result.metrics.findLast((m) => m.valLoss !== undefined)!;
      say(
        `done: ${result.step} steps in ${formatDuration(result.seconds)}; train loss ${last.loss.toFixed(4)}, val loss ${last.valLoss!.toFixed(4)}; run in ${opts.out}`,
      );
      say(`sample from it: ${commandLine('sample', '--run', opts.out)}`);
    }
    return summary(opts.out, run, result);
  } catch (error) {
    if (!(error instanceof NonFiniteLossError)) throw error;
    const kept =
      error.checkpointStep === undefined
        ? 'No checkpoint was saved yet'
        : `The last good checkpoint (step ${error.checkpointStep}) is kept in ${runPath(opts.out, 'checkpoint')}`;
    throw new Error(`${error.problem} ${kept}; resume it with a lower --lr or --grad-clip.`, { cause: error });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    progress.stop();
  }
}

/**
 * Runs `fn` with a signal that the first Ctrl-C (or SIGTERM) aborts, so the loop saves and stops
 * after its step; a second one quits at once (status 130).
 */
export async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summary(
  out: string,
  run: PreparedRun,
  result: { step: number; seconds?: number; trainSeconds?: number; metrics: Metric[]; interrupted: boolean },
): TrainSummary {
  const saved = run.resume?.state.training;
  return {
    out,
    steps: result.step,
    seconds: result.seconds ?? saved?.seconds ?? 0,
    trainSeconds: result.trainSeconds ?? saved?.trainSeconds ?? 0,
    params: run.model.numParams(),
    metrics: result.metrics,
    interrupted: result.interrupted,
  };
}

const formatCount = (n: number): string => (n >= 1e5 ? `${(n / 1e6).toFixed(2)}M` : n.toLocaleString('en-US'));
const mb = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
