/**
 * A run directory: `ckpt.safetensors` (the checkpoint: weights, optimizer, the training loop's
 * state, tokenizer, and what the apps add: `RunExtra` of `@scratchgpt/train`, the preset and
 * data), `metrics.jsonl`, `loss.svg` and `samples.txt`. Loaded and checked here; written from the
 * training loop's events.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkTokenizerFits, type GPT } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer, type TokenizerJSON } from '@scratchgpt/tokenizers';
import {
  runExtraOf,
  type AdamW,
  type CheckpointState,
  type Metric,
  type RunExtra,
  type TrainEvent,
  type TrainingState,
} from '@scratchgpt/train';
import { isTempFile } from '@scratchgpt/data/node';
import { fileCheckpoints, loadCheckpoint } from '@scratchgpt/train/node';
import { commandLine } from './command';
import { LOCK_FILE } from './dir-lock';
import { lossPlotSvg } from './plot';

export const RUN_FILES = { checkpoint: 'ckpt.safetensors', metrics: 'metrics.jsonl', plot: 'loss.svg', samples: 'samples.txt' } as const;

export const runPath = (dir: string, file: keyof typeof RUN_FILES): string => join(dir, RUN_FILES[file]);

/**
 * Checks a directory `train` is about to write: none of the files it writes may be a symbolic link
 * or anything but a plain file (it never writes through a link it did not create), and a new run
 * (`fresh`) only goes into a directory holding nothing but a run's files, so nothing of the user's
 * is overwritten or mixed with the run.
 */
export function checkRunDirectory(dir: string, fresh: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${dir} is a file; pass a directory for the run.`);
  const ours = new Set<string>([...Object.values(RUN_FILES), LOCK_FILE]);
  const foreign: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!ours.has(name)) {
      if (!isTempFile(name)) foreign.push(name);
      continue;
    }
    const stat = lstatSync(join(dir, name));
    if (!stat.isFile())
      throw new Error(
        `${join(dir, name)} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a plain file'}; scratchgpt writes its run files itself and never through links. Move it away, or pass another --out.`,
      );
  }
  if (fresh && foreign.length > 0) {
    const names = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
    throw new Error(
      `--out ${dir} holds files that scratchgpt train did not write (${names}); pass an empty or new directory for a new run.`,
    );
  }
}

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

/** Throws unless `dir` is a directory (of a run, presumably); the message says what to pass. */
export function checkRunExists(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`No run directory ${dir}; pass the --out of a \`scratchgpt train\` run.`);
}

/** Loads a run's checkpoint; the message says what to do when there is none. */
export async function loadRun(dir: string): Promise<LoadedRun> {
  checkRunExists(dir);
  if (!hasCheckpoint(dir))
    throw new Error(`${dir} holds no checkpoint (${RUN_FILES.checkpoint}); train one with \`${commandLine('train', '--out', dir)}\`.`);
  const { model, optimizer, state } = await loadCheckpoint(runPath(dir, 'checkpoint'));
  const extra = runExtraOf(state);
  if (state.training === undefined || extra === undefined || state.tokenizer === undefined) {
    model.dispose();
    optimizer.dispose();
    throw new Error(`${runPath(dir, 'checkpoint')} is a checkpoint, but not one written by \`scratchgpt train\` (no run settings in it).`);
  }
  let tokenizer: Tokenizer | undefined;
  try {
    tokenizer = loadTokenizer(state.tokenizer as TokenizerJSON);
    checkTokenizerFits(model, tokenizer, 'the tokenizer');
  } catch (error) {
    tokenizer?.dispose?.();
    model.dispose();
    optimizer.dispose();
    throw new Error(`${runPath(dir, 'checkpoint')} holds a tokenizer that cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  return { model, optimizer, tokenizer, state, training: state.training, extra };
}

/**
 * What writes the loop's events into a run directory's files, for a run starting with `metrics`
 * (its checkpoint's: a resumed run forgets lines written after it). The files are prepared at the
 * loop's first event, so a run refused before it starts (a flag, memory) leaves the directory as it was.
 */
export function runFiles(
  dir: string,
  options: { metrics: readonly Metric[]; fresh: boolean; tokenizer: Tokenizer; title: string },
): (event: TrainEvent) => Promise<void> {
  const metrics = [...options.metrics];
  let prepared = false;
  return async (event) => {
    if (!prepared) {
      await mkdir(dir, { recursive: true });
      await writeFile(runPath(dir, 'metrics'), options.metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
      if (options.fresh) await rm(runPath(dir, 'samples'), { force: true }); // a fresh run's samples only
      prepared = true;
    }
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
