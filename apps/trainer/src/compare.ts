/**
 * `scratchgpt compare tokenizers | attention`: one model per contender, trained on the same text
 * with the same seed and recipe, then evaluated on the same held-out characters, in one report.
 * - tokenizers: the context is set in characters (the preset's blockSize), and each tokenizer's
 *   block in tokens is that divided by its characters per token, so every step sees about the same
 *   text. Ranked on val bits per character, never on per-token loss.
 * - attention: wrapper and fused start from identical weights (single, one head of size C, cannot);
 *   each variant's forward and forward+backward time and peak tensor memory are measured alone.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { trainValSplit } from '@scratchgpt/data';
import { GPT, headsFor, isOneHead } from '@scratchgpt/model';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import {
  AdamW,
  SAMPLE_OPTIONS,
  VAL_SHARE,
  blockTokensFor,
  decayedParameters,
  measureText,
  median,
  medianTokensPerSec,
  presetOf,
  samplePrompt,
  trainStep,
  type TrainConfig,
} from '@scratchgpt/train';
import { selectBackend, type ActiveBackend, type BackendChoice } from './backend';
import { writeComparison, type ComparisonReport, type CurvePoint } from './compare-report';
import { buildTokenizer, readCorpusText, type CorpusFile } from './corpus';
import { withDirectoryLock } from './dir-lock';
import { newRun, type PreparedRun, type RunOptions } from './run-setup';
import type { ModelSettings } from './settings';
import { InterruptedError, trainRun, withInterrupts } from './train';

export interface CompareOptions {
  data: string;
  /** The text's encoding (a WHATWG label); default UTF-8. */
  encoding?: string;
  preset: string;
  /** Training steps per contender (default: the preset's), or a time budget per contender. */
  maxIters?: number;
  budgetSeconds?: number;
  seed?: number;
  out: string;
  backend: BackendChoice;
  /** Threads that train each contender (see `scratchgpt train --workers`). Default `auto`. */
  workers?: number | 'auto';
  /** Other recipe fields given on the command line (e.g. evalInterval, batchSize). */
  train?: Partial<TrainConfig>;
  /** Model fields given on the command line (for tokenizers, blockSize is in characters). */
  model?: Partial<ModelSettings>;
}

const safeName = (spec: string) => spec.replace(/[^a-z0-9]+/gi, '-');

function trainFields(opts: CompareOptions): Partial<TrainConfig> {
  const fields: Partial<TrainConfig> = { ...opts.train };
  if (opts.seed !== undefined) fields.seed = opts.seed;
  if (opts.maxIters !== undefined) fields.maxIters = opts.maxIters;
  else if (opts.budgetSeconds !== undefined) fields.maxIters = 1_000_000; // the budget ends it
  return fields;
}

/**
 * Trains one contender in its own run directory with the library's loop, then evaluates it on
 * the whole val split and samples from it, in memory. A Ctrl-C stops the comparison (without a
 * report) once the contender's checkpoint is saved.
 */
async function contender(
  file: CorpusFile,
  run: RunOptions,
  opts: CompareOptions,
  backend: ActiveBackend,
  signal: AbortSignal,
  sampleTokens: number,
) {
  const prepared: PreparedRun = await newRun({ ...run, file }, (line) => console.error(line));
  const { model, tokenizer } = prepared;
  try {
    const summary = await trainRun(prepared, { out: run.out, backend, workers: opts.workers, budgetSeconds: opts.budgetSeconds, signal });
    if (summary.interrupted)
      throw new InterruptedError(`interrupted while training ${run.out}; no report was written (each run's checkpoint is kept).`);
    const val = await measureText(model, tokenizer, prepared.ids.val, prepared.recipe.batchSize); // every val token once
    const ids = await model.generate(samplePrompt(tokenizer), {
      ...SAMPLE_OPTIONS,
      maxNewTokens: sampleTokens,
      seed: prepared.recipe.seed,
    });
    return { summary, val, sample: tokenizer.decode(ids).trim(), vocabSize: tokenizer.vocabSize };
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}

/** Compares tokenizers in `opts.out`, which no other run writes meanwhile (see dir-lock.ts). */
export const compareTokenizers = (opts: CompareOptions & { tokenizers: string[] }): Promise<ComparisonReport> =>
  withDirectoryLock(opts.out, 'compare', () => tokenizersLocked(opts));

async function tokenizersLocked(opts: CompareOptions & { tokenizers: string[] }): Promise<ComparisonReport> {
  if (opts.tokenizers.length === 0) throw new Error('--tokenizers names no tokenizer; pass e.g. char,bpe:512.');
  const preset = presetOf(opts.preset);
  const backend = await selectBackend(opts.backend);
  const file = await readCorpusText(opts.data, (l) => console.error(l), opts.encoding);
  const blockChars = opts.model?.blockSize ?? preset.model.blockSize;
  const trainText = trainValSplit(file.text).train;
  const results: Array<{
    tokenizer: string;
    vocabSize: number;
    params: number;
    embeddingParams: number;
    charsPerToken: number;
    blockTokens: number;
    steps: number;
    tokensPerSec: number;
    charsPerSec: number;
    seconds: number;
    trainSeconds: number;
    valLossPerToken: number;
    valBitsPerChar: number;
    valTokens: number;
    valChars: number;
    sample: string;
  }> = [];
  const points: CurvePoint[] = [];
  await withInterrupts(async (signal) => {
    for (const spec of opts.tokenizers) {
      // 1. The block in tokens that covers about blockChars characters.
      const tokenizer = await buildTokenizer(spec, file.text);
      const { charsPerToken, blockSize } = blockTokensFor(tokenizer, trainText, blockChars);
      console.error(
        `\n== ${spec}: ${charsPerToken.toFixed(2)} characters per token, so block ${blockChars} characters → ${blockSize} tokens`,
      );
      // 2. Train, then evaluate on the whole val split.
      const out = join(opts.out, safeName(spec));
      const { summary, val, sample, vocabSize } = await contender(
        file,
        {
          preset: opts.preset,
          tokenizer: spec,
          prebuilt: tokenizer,
          model: { ...opts.model, blockSize },
          train: trainFields(opts),
          out,
          resume: false,
        },
        opts,
        backend,
        signal,
        Math.round(300 / charsPerToken),
      );
      const tokensPerChar = val.tokens / val.chars;
      for (const m of summary.metrics) {
        if (m.valLoss !== undefined)
          points.push({ name: spec, step: m.step, seconds: m.seconds ?? 0, value: (m.valLoss * tokensPerChar) / Math.LN2 });
      }
      const nEmbd = opts.model?.nEmbd ?? preset.model.nEmbd;
      results.push({
        tokenizer: spec,
        vocabSize,
        params: summary.params,
        embeddingParams: (vocabSize + blockSize) * nEmbd,
        charsPerToken,
        blockTokens: blockSize,
        steps: summary.steps,
        tokensPerSec: medianTokensPerSec(summary.metrics),
        charsPerSec: medianTokensPerSec(summary.metrics) * charsPerToken,
        seconds: summary.seconds,
        trainSeconds: summary.trainSeconds,
        valLossPerToken: val.valLoss,
        valBitsPerChar: val.bitsPerChar,
        valTokens: val.tokens,
        valChars: val.chars,
        sample,
      });
    }
  });
  const ranked = [...results].sort((a, b) => a.valBitsPerChar - b.valBitsPerChar);
  const json = {
    kind: 'tokenizers',
    data: file.path,
    preset: opts.preset,
    blockChars,
    maxIters: opts.maxIters ?? null,
    budgetSeconds: opts.budgetSeconds ?? null,
    results,
  };
  const report: ComparisonReport = {
    title: `Tokenizers compared on ${file.path}`,
    notes: [
      `Preset ${opts.preset}, the same seed and recipe for every tokenizer; ${opts.budgetSeconds !== undefined ? `${opts.budgetSeconds} s of training each` : `${opts.maxIters ?? preset.train.maxIters} steps each`}.`,
      `Each row of a batch covers about ${blockChars} characters: the block in tokens is ${blockChars} divided by the tokenizer's characters per token (measured on the train text).`,
      `Ranked on val bits per character: total nats over every val token (${VAL_SHARE} of the characters, each token once) / ln 2 / the characters they cover. Per-token loss is shown, not ranked on: it depends on the vocabulary.`,
      "The curves convert each evaluation estimate (nats per token) to bits per character with the val split's tokens per character; wall time counts training steps only (evaluations excluded), as does the budget.",
    ],
    columns: [
      'tokenizer',
      'vocab',
      'params',
      'in embeddings',
      'chars/token',
      'block (tokens)',
      'steps',
      'tokens/s',
      'train s',
      'wall s',
      'val loss/token',
      'val bits/char',
    ],
    rows: ranked.map((r) => [
      r.tokenizer,
      r.vocabSize,
      r.params,
      r.embeddingParams,
      r.charsPerToken.toFixed(2),
      r.blockTokens,
      r.steps,
      r.tokensPerSec.toFixed(0),
      r.trainSeconds.toFixed(0),
      r.seconds.toFixed(0),
      r.valLossPerToken.toFixed(4),
      `**${r.valBitsPerChar.toFixed(4)}**`,
    ]),
    samples: Object.fromEntries(results.map((r) => [r.tokenizer, r.sample])),
    json,
    curve: { yTitle: 'val bits per character', points },
  };
  await writeComparison(opts.out, report);
  return report;
}

/** Forward and forward+backward+AdamW time (median of 3 after a warm-up) and peak tensor bytes of one step. */
async function timeStep(config: ConstructorParameters<typeof GPT>[0], batchSize: number, seed: number) {
  const model = new GPT(config, { seed });
  const optimizer = new AdamW(model.namedParameters(), decayedParameters(model));
  const T = config.blockSize;
  const ids = (k: number) =>
    tf.tensor2d(
      Int32Array.from({ length: batchSize * T }, (_, i) => (i * 7 + k) % config.vocabSize),
      [batchSize, T],
      'int32',
    );
  const [x, y] = [ids(0), ids(1)];
  const time = async (f: () => Promise<unknown>) => {
    await f();
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await f();
      runs.push(performance.now() - t);
    }
    return median(runs);
  };
  const forwardMs = await time(async () => {
    const loss = model.loss(x, y, { training: true });
    await loss.data();
    loss.dispose();
  });
  const stepMs = await time(() => trainStep(model, [{ x, y }], optimizer));
  const peakBytes = (await tf.profile(async () => void (await trainStep(model, [{ x, y }], optimizer)))).peakBytes;
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { forwardMs, stepMs, peakBytes };
}

/** Compares attention kinds in `opts.out`, which no other run writes meanwhile (see dir-lock.ts). */
export const compareAttention = (opts: CompareOptions & { variants: string[] }): Promise<ComparisonReport> =>
  withDirectoryLock(opts.out, 'compare', () => attentionLocked(opts));

async function attentionLocked(opts: CompareOptions & { variants: string[] }): Promise<ComparisonReport> {
  if (opts.variants.length === 0) throw new Error('--variants names no attention kind; pass e.g. single,wrapper,fused.');
  const preset = presetOf(opts.preset);
  const backend = await selectBackend(opts.backend);
  const file = await readCorpusText(opts.data, (l) => console.error(l), opts.encoding);
  const vocabSize = CharTokenizer.fromText(file.text).vocabSize;
  const seed = opts.seed ?? preset.train.seed ?? 0;
  const batchSize = opts.train?.batchSize ?? preset.train.batchSize;
  // 1. Shared initial weights: a fused model's, in nanoGPT's layout, which wrapper loads too.
  const base: ModelSettings = { ...preset.model, ...opts.model };
  const shapeOf = (variant: string): ModelSettings => ({ ...base, attention: variant, nHead: headsFor(variant, base.nHead) });
  const fusedInit = new GPT({ ...shapeOf('fused'), vocabSize }, { seed });
  const initialWeights = await fusedInit.toSafetensors();
  fusedInit.dispose();
  const results: Array<
    Record<string, unknown> & {
      attention: string;
      nHead: number;
      params: number;
      forwardMs: number;
      stepMs: number;
      peakTensorBytes: number;
      tokensPerSec: number;
      steps: number;
      seconds: number;
      trainSeconds: number;
      step0Loss: number | null;
      valLoss: number;
      valBitsPerChar: number;
      sample: string;
    }
  > = [];
  const points: CurvePoint[] = [];
  await withInterrupts(async (signal) => {
    for (const variant of opts.variants) {
      const shape = shapeOf(variant);
      console.error(`\n== attention ${variant}`);
      const timing = await timeStep({ ...shape, vocabSize }, batchSize, seed);
      const out = join(opts.out, safeName(variant));
      const ownWeights = isOneHead(variant); // one head without an output projection cannot hold the fused model's weights
      const { summary, val, sample } = await contender(
        file,
        {
          preset: opts.preset,
          model: { ...opts.model, attention: variant, nHead: shape.nHead },
          train: trainFields(opts),
          out,
          resume: false,
          initialWeights: ownWeights ? undefined : initialWeights,
        },
        opts,
        backend,
        signal,
        300,
      );
      for (const m of summary.metrics)
        if (m.valLoss !== undefined) points.push({ name: variant, step: m.step, seconds: m.seconds ?? 0, value: m.valLoss });
      results.push({
        attention: variant,
        nHead: shape.nHead,
        params: summary.params,
        initialWeights: ownWeights ? 'own (seeded)' : 'shared with fused',
        forwardMs: timing.forwardMs,
        stepMs: timing.stepMs,
        peakTensorBytes: timing.peakBytes,
        tokensPerSec: medianTokensPerSec(summary.metrics),
        steps: summary.steps,
        seconds: summary.seconds,
        trainSeconds: summary.trainSeconds,
        step0Loss: summary.metrics.find((m) => m.step === 0 && m.valLoss !== undefined)?.valLoss ?? null,
        valLoss: val.valLoss,
        valBitsPerChar: val.bitsPerChar,
        sample,
      });
    }
  });
  // 2. Wrapper and fused compute the same function: from the same weights their first loss agrees.
  const [wrapper, fused] = ['wrapper', 'fused'].map((v) => results.find((r) => r.attention === v));
  let step0 = null;
  if (wrapper?.step0Loss != null && fused?.step0Loss != null) {
    const diff = Math.abs(wrapper.step0Loss - fused.step0Loss);
    step0 = { wrapper: wrapper.step0Loss, fused: fused.step0Loss, difference: diff, same: diff < 1e-4 };
    console.error(
      `\nstep 0: wrapper ${wrapper.step0Loss.toFixed(6)}, fused ${fused.step0Loss.toFixed(6)}: ${step0.same ? 'the same loss' : 'DIFFERENT losses'} (|Δ| ${diff.toExponential(1)})`,
    );
  }
  const json = {
    kind: 'attention',
    data: file.path,
    preset: opts.preset,
    maxIters: opts.maxIters ?? null,
    budgetSeconds: opts.budgetSeconds ?? null,
    step0,
    results,
  };
  const report: ComparisonReport = {
    title: `Attention variants compared on ${file.path}`,
    notes: [
      `Preset ${opts.preset}, the same data, seed and recipe; ${opts.budgetSeconds !== undefined ? `${opts.budgetSeconds} s of training each` : `${opts.maxIters ?? preset.train.maxIters} steps each`}.`,
      "wrapper and fused start from identical weights (the fused model's, loaded into the wrapper's heads); single is one head of size C with its own seeded weights.",
      step0
        ? `Step 0 val loss: wrapper ${step0.wrapper.toFixed(6)}, fused ${step0.fused.toFixed(6)} (|Δ| ${step0.difference.toExponential(1)}).`
        : 'Step 0 check: needs both wrapper and fused.',
      `Forward and step times: median of 3 after a warm-up, batch ${batchSize}, measured alone before training; step = forward, backward, clipping, AdamW. Peak tensor memory: tf.profile of one step.`,
    ],
    columns: [
      'attention',
      'heads',
      'params',
      'forward ms',
      'fwd+bwd ms',
      'peak MB',
      'tokens/s',
      'steps',
      'train s',
      'wall s',
      'val loss',
      'val bits/char',
    ],
    rows: results.map((r) => [
      r.attention,
      r.nHead,
      r.params,
      r.forwardMs.toFixed(0),
      r.stepMs.toFixed(0),
      (r.peakTensorBytes / 2 ** 20).toFixed(1),
      r.tokensPerSec.toFixed(0),
      r.steps,
      r.trainSeconds.toFixed(0),
      r.seconds.toFixed(0),
      r.valLoss.toFixed(4),
      r.valBitsPerChar.toFixed(4),
    ]),
    samples: Object.fromEntries(results.map((r) => [r.attention, r.sample])),
    json,
    curve: { yTitle: 'val loss (nats per character)', points },
  };
  await writeComparison(opts.out, report);
  return report;
}
