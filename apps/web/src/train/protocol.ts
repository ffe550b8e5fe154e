/**
 * What the Train and Compare views and the training worker say to each other (postMessage), in
 * one place. The page asks (`Request`); the worker answers and reports (`Report`). The worker owns
 * the model, the backend and the training loop of `@scratchgpt/train`, so the page never freezes;
 * runs live in the browser's storage (see store.ts), which the page may read (list, download,
 * delete) but only the worker writes while it trains.
 */
import type { GPTConfig } from '@scratchgpt/model';
import type { Metric, TrainConfig } from '@scratchgpt/train';

/** The backends training may use in the browser, in order of preference. */
export const TRAIN_BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type TrainBackend = (typeof TRAIN_BACKENDS)[number];

/** Where the training text comes from. */
export type CorpusSource =
  /** Tiny Shakespeare: fetched (a copy beside the page first, else GitHub) and checked against its sha256. */
  | { kind: 'shakespeare' }
  /** A file the user dropped or picked: its bytes, decoded as UTF-8 and checked. */
  | { kind: 'file'; name: string; bytes: ArrayBuffer }
  /** Text pasted into the page. */
  | { kind: 'text'; text: string };

/** A new run as the Train view's form sets it up. */
export interface RunSpec {
  /** Shown in the runs list and the Compare view; default e.g. "char, fused, shakespeare-char-cpu". */
  name: string;
  corpus: CorpusSource;
  /** `char`, `bpe:<n>` (trained in the worker on the train split) or `tiktoken:<encoding>`. */
  tokenizer: string;
  /** A preset of PRESETS (`@scratchgpt/train`), e.g. `shakespeare-char-cpu`. */
  preset: string;
  /** Model fields over the preset's (attention, nLayer, nHead, nEmbd, blockSize, dropout). */
  model: Partial<Omit<GPTConfig, 'vocabSize'>>;
  /** Recipe fields over the preset's (maxIters, evalInterval, evalIters, batchSize, lr, sampleTokens, seed, …). */
  train: Partial<TrainConfig>;
}

/** Test hooks, set from the page's URL (`?fail-at-step=N`): make the first backend fail at step N, as a lost GPU would. */
export interface DebugHooks {
  failAtStep?: number;
}

/** Page → worker. */
export type Request =
  /** Start a new run (the worker stores it at once, so a reload finds it). */
  | { type: 'start'; spec: RunSpec; backend: TrainBackend | 'auto'; debug?: DebugHooks }
  /** Continue a stored run from its checkpoint, optionally training further (`maxIters`). */
  | { type: 'resume'; id: string; backend: TrainBackend | 'auto'; maxIters?: number; corpus?: CorpusSource; debug?: DebugHooks }
  /** Store a checkpoint written by `scratchgpt train` (ckpt.safetensors) as a run; `corpus` when its text is not Tiny Shakespeare. */
  | { type: 'import'; name: string; checkpoint: ArrayBuffer; corpus?: CorpusSource }
  | { type: 'pause' }
  | { type: 'continue' }
  /** Stop after the current step; a checkpoint is saved. */
  | { type: 'stop' }
  /** The attention weights of the current model over the last sample, for the heatmap. */
  | { type: 'attention'; layer: number; head: number }
  /** Evaluate stored runs on their whole val split (the measures of `scratchgpt compare`). */
  | { type: 'measure'; ids: string[]; backend: TrainBackend | 'auto' };

/** A run as stored: what the runs list and Compare view show without loading the checkpoint. */
export interface RunInfo {
  id: string;
  name: string;
  /** ISO time of creation. */
  created: string;
  /** Where the text came from (shown), its sha256 and characters. */
  corpus: { label: string; sha256: string; chars: number };
  tokenizer: { name: string; vocabSize: number };
  preset: string;
  model: GPTConfig;
  /** The recipe as given (what the checkpoint keeps). */
  train: TrainConfig;
  params: number;
  /** Val tokens per val character (for bits per character from a per-token loss). */
  valTokensPerChar: number;
  /** The step of the stored checkpoint (0: none yet), and every metric up to it. */
  step: number;
  metrics: Metric[];
  /** Whether it reached its maxIters. */
  finished: boolean;
  /** The backend it last trained on. */
  backend?: string;
}

/** One row of the Compare table: `scratchgpt compare`'s measures for one run. */
export interface MeasuredRun {
  id: string;
  name: string;
  tokenizer: string;
  attention: string;
  vocabSize: number;
  params: number;
  charsPerToken: number;
  blockTokens: number;
  steps: number;
  /** Median tokens/s of the training steps. */
  tokensPerSec: number;
  charsPerSec: number;
  trainSeconds: number;
  seconds: number;
  valLossPerToken: number;
  valBitsPerChar: number;
  valTokens: number;
  valChars: number;
  backend: string;
}

/** Worker → page. */
export type Report =
  /** The backend training uses now, and why (asked for, or which failed before it). */
  | { type: 'backend'; name: string; note: string }
  /** A run is set up: its stored info (the page adds it to the list). */
  | { type: 'run'; run: RunInfo }
  /** The loop started at `step` (of `maxIters`). */
  | { type: 'started'; id: string; step: number; maxIters: number; tokensPerStep: number; resumed: boolean }
  /** A training step ended (metric.step counts steps done); `etaSeconds` from the smoothed tokens/s. */
  | { type: 'step'; id: string; metric: Metric; smoothedTokensPerSec: number; etaSeconds: number }
  /** An evaluation: train and val loss estimates. */
  | { type: 'eval'; id: string; metric: Metric }
  /** A sample at an evaluation, decoded. */
  | { type: 'sample'; id: string; step: number; text: string }
  /** A checkpoint is in storage (a reload resumes here). */
  | { type: 'checkpoint'; id: string; step: number }
  /** Attention weights [query][key] of `layer` and `head` over the tokens `labels`. */
  | {
      type: 'attention';
      id: string;
      step: number;
      layer: number;
      head: number;
      nLayer: number;
      nHead: number;
      weights: number[][];
      labels: string[];
    }
  | { type: 'paused'; id: string; step: number }
  | { type: 'continued'; id: string }
  /** The run ended: finished, or stopped (`interrupted`) with its checkpoint saved. */
  | { type: 'done'; id: string; step: number; interrupted: boolean; run: RunInfo }
  /** The backend failed mid-run; training goes on from the last checkpoint on `to`. */
  | { type: 'fallback'; id: string; from: string; to: string; reason: string; step: number }
  /** Compare measures, one row per run asked for. */
  | { type: 'measured'; rows: MeasuredRun[] }
  /** Progress words for long set-up work (fetching the text, training BPE, measuring). */
  | { type: 'status'; text: string }
  /** Something went wrong, in words: what, and what to do; `kept` says what is safe in storage. */
  | { type: 'error'; message: string; kept?: string };
