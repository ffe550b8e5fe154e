// The messages between DataParallel (data-parallel.ts) and its workers (worker.ts).
import type { GPTConfig } from '@scratchgpt/model';

/** Where one parameter lives in the flat shared arrays of weights and gradients. */
export interface ParamLayout {
  name: string;
  offset: number;
  shape: number[];
}

/** What a worker starts from (its `workerData`). */
export interface WorkerInit {
  config: GPTConfig;
  backend: string;
  setup: string[];
  layout: ParamLayout[];
  /** Written by the main thread before each step. */
  weights: Float32Array;
  /** Written by this worker: its weighted gradient sum. */
  grads: Float32Array;
}

/** A worker's rows of one micro-batch, and their share of the step's loss. */
export interface StepPart {
  x: Int32Array;
  y: Int32Array;
  rows: number;
  weight: number;
}

export type StepRequest = { type: 'ping' } | { type: 'step'; T: number; parts: StepPart[]; rng: number[] };

export type StepReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string };
