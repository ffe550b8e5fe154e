/**
 * A run directory: `ckpt.safetensors` (the checkpoint: weights, optimizer, the training loop's
 * state, tokenizer, and what the trainer adds: preset and data), `metrics.jsonl`, `loss.svg` and
 * `samples.txt`. Loaded and checked here; written from the training loop's events.
 */
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GPT } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer, type TokenizerJSON } from '@scratchgpt/tokenizers';
import type { AdamW, CheckpointState, Metric, TrainEvent, TrainingState } from '@scratchgpt/train';
import { fileCheckpoints, loadCheckpoint } from '@scratchgpt/train/node';
import { lossPlotSvg } from './plot';

export const RUN_FILES = { checkpoint: 'ckpt.safetensors', metrics: 'metrics.jsonl', plot: 'loss.svg', samples: 'samples.txt' } as const;

/** What the trainer keeps in the checkpoint's `extra`: the preset, and the text the run trains on. */
export type RunExtra = {
  preset: string;
  data: { path: string; sha256: string };
};

export const runPath = (dir: string, file: keyof typeof RUN_FILES): string => join(dir, RUN_FILES[file]);

export function hasCheckpoint(dir: string): boolean {
  return existsSync(runPath(dir, 'checkpoint'));
}

/** Where `train` writes the run's checkpoint (atomically). */
export const runCheckpoints = (dir: string) => fileCheckpoints(runPath(dir, 'checkpoint'));

export interface LoadedRun {
  model: GPT;
  optimizer: AdamW;
  tokenizer: Tokenizer;
  /** The checkpoint's state (for `train`'s `resume`). */
  state: CheckpointState;
  training: TrainingState;
  extra: RunExtra;
}

/** Loads a run's checkpoint; the message says what to do when there is none. */
export async function loadRun(dir: string): Promise<LoadedRun> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`No run directory ${dir}; pass the --out of a \`scratchgpt train\` run.`);
  if (!hasCheckpoint(dir))
    throw new Error(`${dir} holds no checkpoint (${RUN_FILES.checkpoint}); train one with \`scratchgpt train --out ${dir}\`.`);
  const { model, optimizer, state } = await loadCheckpoint(runPath(dir, 'checkpoint'));
  const extra = state.extra as RunExtra | undefined;
  if (
    state.training === undefined ||
    typeof extra?.preset !== 'string' ||
    typeof extra.data?.sha256 !== 'string' ||
    state.tokenizer === undefined
  ) {
    model.dispose();
    optimizer.dispose();
    throw new Error(`${runPath(dir, 'checkpoint')} is a checkpoint, but not one written by \`scratchgpt train\` (no run settings in it).`);
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = loadTokenizer(state.tokenizer as TokenizerJSON);
  } catch (error) {
    model.dispose();
    optimizer.dispose();
    throw new Error(`${runPath(dir, 'checkpoint')} holds a tokenizer that cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  return { model, optimizer, tokenizer, state, training: state.training, extra };
}

/**
 * Prepares a run directory's files for a run starting with `metrics` (its checkpoint's: a resumed
 * run forgets lines written after it), and returns what writes the loop's events into them.
 */
export async function runFiles(
  dir: string,
  options: { metrics: readonly Metric[]; fresh: boolean; tokenizer: Tokenizer; title: string },
): Promise<(event: TrainEvent) => Promise<void>> {
  await mkdir(dir, { recursive: true });
  await writeFile(runPath(dir, 'metrics'), options.metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (options.fresh) await rm(runPath(dir, 'samples'), { force: true }); // a fresh run's samples only
  const metrics = [...options.metrics];
  return async (event) => {
    if (event.type === 'step' || event.type === 'eval') {
      metrics.push(event.metric);
      await appendFile(runPath(dir, 'metrics'), `${JSON.stringify(event.metric)}\n`);
    }
    if (event.type === 'eval') await writeFile(runPath(dir, 'plot'), await lossPlotSvg(metrics, options.title));
    if (event.type === 'sample')
      await appendFile(
        runPath(dir, 'samples'),
        `--- step ${event.step} (val loss ${event.valLoss.toFixed(4)}) ---${options.tokenizer.decode(event.ids)}\n`,
      );
  };
}
