// The messages between DataParallel (data-parallel.ts) and its workers (worker.ts).
import type { GPTConfig } from '@scratchgpt/model';
import type { Pass } from './train-step';

/** Where one parameter lives in the flat shared arrays of weights and gradients. */
export interface ParamLayout {
  name: string;
  offset: number;
  shape: number[];
}

/** What a worker starts from (its `workerData`). */
export interface WorkerInit {
  config: GPTConfig;
  /** The tfjs name of the backend to start. */
  backend: string;
  /** Modules to import first (a backend, attention kinds registered with their module). */
  setup: string[];
  layout: ParamLayout[];
  /** Written by the main thread before each step. */
  weights: Float32Array;
  /** Written by this worker: its weighted gradient sum. */
  grads: Float32Array;
}

export type StepRequest = { type: 'ping' } | { type: 'step'; T: number; passes: Pass[]; rng: number[] };

export type StepReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string };
