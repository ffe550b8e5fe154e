/**
 * `scratchgpt train`: nanoGPT's training loop on the packages. Steps:
 * 1. pick the backend; 2. start a run or resume one (checking that data, tokenizer and settings
 * fit it); 3. loop: evaluate, plot, sample and checkpoint every `evalInterval` steps, else one
 * AdamW step with warmup + cosine learning rate, accumulation and clipping; 4. Ctrl-C saves and
 * exits cleanly; a NaN or infinite loss stops with the last good checkpoint kept.
 */
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { RandomBatchSampler } from '@scratchgpt/data';
import { cosineSchedule, estimateLoss, writeCheckpoint } from '@scratchgpt/train';
import { saveCheckpoint, type DataParallel } from '@scratchgpt/train/node';
import type { Tokenizer } from '@scratchgpt/tokenizers';
import { selectBackend, type BackendChoice } from './backend';
import { readCorpusText, tokenizeCorpus } from './corpus';
import { lossPlotSvg } from './plot';
import { createProgress, formatDuration } from './progress';
import { runPath, type Metric } from './run-dir';
import { newRun, resumeRun } from './run-setup';
import type { ModelSettings, TrainSettings } from './settings';
import { startThreads } from './threads';

export interface TrainCommandOptions {
  preset: string;
  /** Whether --preset was given (on resume it must then match the run's). */
  presetGiven?: boolean;
  /** A text file or a dataset name; on resume, default: the run's own. */
  data?: string;
  /** Tokenizer spec or JSON path; default `char`. */
  tokenizer?: string;
  /** Model fields given on the command line. */
  model: Partial<ModelSettings>;
  /** Training fields given on the command line. */
  train: Partial<TrainSettings>;
  out: string;
  resume: boolean;
  backend: BackendChoice;
  /** Threads that train: a number, or `auto` (every core on wasm and cpu, one on native TensorFlow). Default `auto`. */
  workers?: number | 'auto';
  /** Draw a progress bar (default: whether stderr is a terminal). */
  tty?: boolean;
  /** Stop after this many seconds of training steps (evaluations not counted), evaluating and saving there. */
  budgetSeconds?: number;
  /** Initial weights for a new run: a safetensors file in nanoGPT's layout (e.g. another attention kind's). */
  initialWeights?: Uint8Array;
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

export async function trainCommand(opts: TrainCommandOptions): Promise<TrainSummary> {
  const say = (line: string) => console.error(line);
  // 1. Backend.
  const backend = await selectBackend(opts.backend);
  say(`backend: ${backend.name} (${backend.reason})`);

  // 2. A new run, or the one in --out.
  const run = opts.resume ? await resumeRun(opts, say) : await newRun(opts, say);
  const { model, optimizer, tokenizer, extra, metrics } = run;
  let threads: DataParallel | undefined;
  const finish = async (interrupted: boolean): Promise<TrainSummary> => {
    const summary = { out: opts.out, steps: optimizer.stepCount, seconds: extra.seconds, trainSeconds: extra.trainSeconds, params: model.numParams(), metrics, interrupted };
    await threads?.close();
    model.dispose();
    optimizer.dispose();
    tokenizer.dispose?.();
    return summary;
  };
  const s = extra.settings;
  const file = await readCorpusText(extra.data.path, say);
  const corpus = tokenizeCorpus(file, tokenizer, model.config.blockSize);
  const blockSize = model.config.blockSize;
  const sampler = (ids: ArrayLike<number>, seed: number, state?: number[]) => {
    const r = new RandomBatchSampler(ids, { batchSize: s.batchSize, blockSize, seed });
    if (state) r.setState(state);
    return r;
  };
  const trainBatches = sampler(corpus.train, s.seed, run.trainData);
  const evalTrain = sampler(corpus.train, s.seed + 1, extra.evalData?.train);
  const evalVal = sampler(corpus.val, s.seed + 2, extra.evalData?.val);
  const lrAt = cosineSchedule({ lr: s.lr, warmupIters: s.warmupIters, decayIters: s.lrDecayIters, minLr: s.minLr });
  say(
    `model: ${formatCount(model.numParams())} parameters, ${model.config.nLayer} layers, ${model.config.nHead} heads, ` +
      `${model.config.nEmbd} wide, block ${blockSize}, attention ${model.config.attention}; tokenizer ${tokenizer.name} (${tokenizer.vocabSize} ids)`,
  );
  say(`data: ${corpus.path}: ${corpus.train.length} train and ${corpus.val.length} val tokens`);
  if (opts.resume && run.step >= s.maxIters) {
    say(`${opts.out} is already trained to step ${run.step} (--max-iters ${s.maxIters}): nothing to do. Pass a larger --max-iters to train further.`);
    return finish(false);
  }

  // 3. The threads that train, and the loop.
  try {
    threads = await startThreads(model, backend.name, opts.workers ?? 'auto', s.batchSize, say);
  } catch (error) {
    await finish(false);
    throw error;
  }
  await mkdir(opts.out, { recursive: true });
  await writeFile(runPath(opts.out, 'metrics'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (!opts.resume) await rm(runPath(opts.out, 'samples'), { force: true }); // a fresh run's samples only
  const tokensPerStep = s.batchSize * blockSize * s.gradAccum;
  const progress = createProgress({ tty: opts.tty ?? process.stderr.isTTY === true, startStep: run.step, maxIters: s.maxIters, logInterval: s.logInterval, tokensPerStep });
  const evaluated = new Set(metrics.filter((m) => m.valLoss !== undefined).map((m) => m.step));
  let savedStep: number | undefined = opts.resume ? run.step : undefined;
  let started = performance.now();
  const elapsed = () => extra.seconds + (performance.now() - started) / 1000;
  let tokensPerSec = 0;
  let smoothed = 0;
  const notFinite = (loss: number, step: number, where: string) => {
    const kept = savedStep === undefined ? 'No checkpoint was saved yet' : `The last good checkpoint (step ${savedStep}) is kept in ${runPath(opts.out, 'checkpoint')}`;
    return new Error(`the loss became ${loss} at step ${step} ${where}, so training stopped. ${kept}; resume it with a lower --lr or --grad-clip.`);
  };
  const save = async (step: number) => {
    if (!parametersFinite(model)) throw notFinite(NaN, step, '(in the weights, found before saving)');
    extra.seconds = elapsed();
    started = performance.now();
    extra.evalData = { train: evalTrain.getState(), val: evalVal.getState() };
    const bytes = writeCheckpoint(model, optimizer, { data: trainBatches.getState(), tokenizer: tokenizer.toJSON(), metrics, extra });
    await saveCheckpoint(runPath(opts.out, 'checkpoint'), bytes);
    savedStep = step;
  };
  const record = async (m: Metric) => {
    metrics.push(m);
    await appendFile(runPath(opts.out, 'metrics'), `${JSON.stringify(m)}\n`);
  };
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      progress.stop();
      process.exit(130);
    }
    progress.log('Ctrl-C: saving a checkpoint after this step (press Ctrl-C again to quit without saving)');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    for (let step = run.step; ; step++) {
      // 3a. Evaluate, plot, sample, checkpoint.
      const final = step >= s.maxIters || (opts.budgetSeconds !== undefined && extra.trainSeconds >= opts.budgetSeconds);
      if ((step % s.evalInterval === 0 || final) && !evaluated.has(step)) {
        const est = estimateLoss(model, { train: () => evalTrain.next().toTensors(tf), val: () => evalVal.next().toTensors(tf) }, s.evalIters);
        evaluated.add(step);
        if (!Number.isFinite(est.train!) || !Number.isFinite(est.val!)) throw notFinite(est.val!, step, 'at evaluation');
        await record({ step, loss: est.train!, lr: lrAt(step), tokensPerSec, valLoss: est.val!, seconds: extra.trainSeconds });
        progress.log(`step ${step}: train loss ${est.train!.toFixed(4)}, val loss ${est.val!.toFixed(4)} (${formatDuration(elapsed())})`);
        await writeFile(runPath(opts.out, 'plot'), await lossPlotSvg(metrics, `${extra.preset}, ${tokenizer.name}: loss against step`));
        if (s.sampleTokens > 0) {
          const ids = await model.generate(samplePrompt(tokenizer), { maxNewTokens: s.sampleTokens, temperature: 0.8, topK: 200, seed: s.seed });
          const text = tokenizer.decode(ids);
          progress.log(`--- sample at step ${step} ---${text}\n---`);
          await appendFile(runPath(opts.out, 'samples'), `--- step ${step} (val loss ${est.val!.toFixed(4)}) ---${text}\n`);
        }
        if (step > 0) await save(step);
      }
      if (final) {
        if (savedStep !== step) await save(step);
        break;
      }
      if (interrupts > 0) {
        await save(step);
        progress.log(`interrupted: checkpoint at step ${step} saved in ${runPath(opts.out, 'checkpoint')}; continue with \`scratchgpt train --out ${opts.out} --resume\``);
        return finish(true);
      }

      // 3b. One optimizer step.
      const t = performance.now();
      const lr = lrAt(step);
      const batches = Array.from({ length: s.gradAccum }, () => trainBatches.next().toTensors(tf));
      const { loss, gradNorm } = await threads.step(batches, optimizer, { lr, gradClip: s.gradClip }).finally(() => tf.dispose(batches.flatMap((b) => [b.x, b.y])));
      if (!Number.isFinite(loss)) throw notFinite(loss, step, `(lr ${lr.toExponential(2)})`);
      const stepSeconds = (performance.now() - t) / 1000;
      extra.trainSeconds += stepSeconds;
      tokensPerSec = tokensPerStep / stepSeconds;
      smoothed = smoothed === 0 ? tokensPerSec : 0.9 * smoothed + 0.1 * tokensPerSec; // for the display and ETA
      await record({ step: step + 1, loss, lr, tokensPerSec, gradNorm });
      progress.update({ step: step + 1, loss, lr, tokensPerSec: smoothed });
      await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C be noticed between steps
    }
  } finally {
    await threads.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.stop();
  }
  const last = metrics.findLast((m) => m.valLoss !== undefined)!;
  say(`done: ${optimizer.stepCount} steps in ${formatDuration(extra.seconds)}; train loss ${last.loss.toFixed(4)}, val loss ${last.valLoss!.toFixed(4)}; run in ${opts.out}`);
  say(`sample from it: scratchgpt sample --run ${opts.out}`);
  return finish(false);
}

/** Whether every weight is a finite number (one update can break them while its loss looked fine). */
function parametersFinite(model: { namedParameters(): Array<[string, tf.Variable]> }): boolean {
  return tf.tidy(() => model.namedParameters().every(([, p]) => tf.all(tf.isFinite(p)).dataSync()[0] === 1));
}

/** nanoGPT samples from a newline; a vocabulary without one starts from id 0. */
function samplePrompt(tokenizer: Tokenizer): number[] {
  try {
    const ids = tokenizer.encode('\n');
    return ids.length > 0 ? ids : [0];
  } catch {
    return [0];
  }
}

const formatCount = (n: number): string => (n >= 1e5 ? `${(n / 1e6).toFixed(2)}M` : n.toLocaleString('en-US'));

