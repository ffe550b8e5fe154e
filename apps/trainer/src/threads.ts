/**
 * How the trainer uses the machine: how many threads train (`--workers`), and how many rows one
 * forward + backward pass may take before a micro-batch is split into passes (wasm's 4 GB heap).
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '@scratchgpt/model';
import { measurePassMemory, rowsWithin } from '@scratchgpt/train';
import { DataParallel } from '@scratchgpt/train/node';
import type { ActiveBackend } from './backend';

/** Tensor memory one pass may use on wasm: its heap stops at 4 GB, which also holds weights, optimizer state and free gaps. */
export const WASM_PASS_BUDGET = 3e9;

/** `auto`: every core on wasm and cpu (one thread each in Node), one thread on native TensorFlow (it threads itself). */
export function resolveWorkers(workers: number | 'auto', backend: ActiveBackend['name'], batchSize: number): number {
  const native = backend === 'node' || backend === 'node-gpu';
  if (workers === 'auto') return native ? 1 : Math.max(1, Math.min(availableParallelism(), batchSize));
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer or "auto", got ${workers}.`);
  if (native && workers > 1) throw new Error(`--workers ${workers} is for the wasm and cpu backends; native TensorFlow uses every core by itself. Use --workers 1 (or auto).`);
  return workers;
}

/** Starts the threads that train, with passes small enough for the backend's memory; says what it chose. */
export async function startThreads(model: GPT, backend: ActiveBackend['name'], workers: number | 'auto', batchSize: number, say: (line: string) => void): Promise<DataParallel> {
  const threads = resolveWorkers(workers, backend, batchSize);
  let maxRows = Infinity;
  let plan = '';
  if (backend === 'wasm') {
    const memory = await measurePassMemory(model);
    maxRows = rowsWithin(memory, WASM_PASS_BUDGET);
    const perThread = Math.ceil(batchSize / threads);
    if (memory.fixedBytes + memory.bytesPerRow > WASM_PASS_BUDGET) {
      throw new Error(`one row of ${model.config.blockSize} tokens needs ${mb(memory.fixedBytes + memory.bytesPerRow)} in a pass, more than the wasm heap allows (${mb(WASM_PASS_BUDGET)}); use a smaller --block-size or model.`);
    }
    if (perThread > maxRows) plan = `; a pass takes ${mb(memory.bytesPerRow)} per row, so each thread's ${perThread} rows run in passes of ${maxRows} (gradient accumulation: same step)`;
  }
  say(`threads: ${threads}${threads > 1 ? ' (data parallel: each takes a share of every batch)' : ''}${plan}`);
  return DataParallel.start(model, { threads, maxRows, backend: tf.getBackend() });
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
