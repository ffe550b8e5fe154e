/**
 * A run directory: `ckpt.safetensors` (the checkpoint: weights, optimizer, data position,
 * tokenizer, settings and metrics), `metrics.jsonl`, `loss.svg` and `samples.txt`.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamW } from '@scratchgpt/train';
import { loadCheckpoint } from '@scratchgpt/train/node';
import type { GPT } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer, type TokenizerJSON } from '@scratchgpt/tokenizers';
import type { TrainSettings } from './settings';

export const RUN_FILES = { checkpoint: 'ckpt.safetensors', metrics: 'metrics.jsonl', plot: 'loss.svg', samples: 'samples.txt' } as const;

/** One line of `metrics.jsonl`: every step has the first four fields; evaluations add the rest. */
export interface Metric {
  step: number;
  /** Training loss of this step (at an evaluation: the train-split estimate). */
  loss: number;
  lr: number;
  tokensPerSec: number;
  /** Val-split estimate, at evaluations only. */
  valLoss?: number;
  /** Seconds spent in training steps so far (evaluations not counted), at evaluations only. */
  seconds?: number;
  /** Global gradient norm before clipping, at steps only. */
  gradNorm?: number;
}

/** What the trainer keeps in the checkpoint's `extra`. */
export type RunExtra = {
  preset: string;
  settings: TrainSettings;
  data: { path: string; sha256: string };
  /** Generator states of the evaluation batch samplers. */
  evalData?: { train: number[]; val: number[] };
  /** Wall-clock seconds of training so far. */
  seconds: number;
  /** Seconds spent in training steps only (no evaluations, samples or saves). */
  trainSeconds: number;
};

export const runPath = (dir: string, file: keyof typeof RUN_FILES): string => join(dir, RUN_FILES[file]);

export function hasCheckpoint(dir: string): boolean {
  return existsSync(runPath(dir, 'checkpoint'));
}

export interface LoadedRun {
  model: GPT;
  optimizer: AdamW;
  tokenizer: Tokenizer;
  step: number;
  extra: RunExtra;
  /** Train-batch sampler state. */
  data: number[];
  metrics: Metric[];
}

/** Loads a run's checkpoint; the message says what to do when there is none. */
export async function loadRun(dir: string): Promise<LoadedRun> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`No run directory ${dir}; pass the --out of a \`scratchgpt train\` run.`);
  if (!hasCheckpoint(dir)) throw new Error(`${dir} holds no checkpoint (${RUN_FILES.checkpoint}); train one with \`scratchgpt train --out ${dir}\`.`);
  const { model, optimizer, state } = await loadCheckpoint(runPath(dir, 'checkpoint'));
  const extra = state.extra as RunExtra | undefined;
  if (extra?.settings === undefined || state.tokenizer === undefined || !Array.isArray(state.data)) {
    model.dispose();
    optimizer.dispose();
    throw new Error(`${runPath(dir, 'checkpoint')} is a checkpoint, but not one written by \`scratchgpt train\` (no run settings in it).`);
  }
  return {
    model,
    optimizer,
    tokenizer: loadTokenizer(state.tokenizer as TokenizerJSON),
    step: state.step,
    extra,
    data: state.data as number[],
    metrics: (state.metrics ?? []) as Metric[],
  };
}
