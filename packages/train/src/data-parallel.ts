/**
 * Data-parallel training on one machine: worker threads, each with its own tfjs backend and a
 * copy of the model, compute the gradients of a share of every batch while this thread computes
 * its own share; the gradients are summed, weighted by rows, so a step equals the one-thread step
 * to float rounding (tested). On wasm (one core per thread in Node) this uses the other cores.
 *
 * Each step: this thread writes the weights into shared memory, sends each worker its rows of
 * every micro-batch, computes its own rows, then adds the workers' gradients (also in shared
 * memory), clips and applies them. Dropout masks in workers come from seeds drawn from the
 * model's generator, so a run is reproducible (but differs from a one-thread run when dropout > 0).
 *
 * It is a {@link StepRunner}: `train` runs its steps through it (`parallel: threads(n)`).
 *
 * Non-goals: several machines, GPUs (use one thread with tfjs-node-gpu), sharded optimizer state.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { attentionModules } from '@scratchgpt/attention';
import { SeededRandom, type Batch } from '@scratchgpt/data';
import type { GPT } from '@scratchgpt/model';
import { backendByTfName } from '@scratchgpt/nn';
import type { AdamW } from './adamw';
import {
  applyGradients,
  measureStep,
  passGradients,
  planPasses,
  type StepRunner,
  type TrainStepOptions,
  type TrainStepResult,
} from './train-step';
import type { ParamLayout, StepReply, StepRequest, WorkerInit } from './worker-protocol';

/** Options of {@link DataParallel.start}. */
export interface DataParallelOptions {
  /** Threads in all, this one included; 1 runs every step here. */
  threads: number;
  /** The tfjs backend of each worker. Default: the active backend (`wasm` or `cpu`; others need `setup`). */
  backend?: string;
  /** Most rows of one forward + backward pass in a thread (more are split into passes, see `measurePassMemory`). Default: no limit. */
  maxRows?: number;
  /** Modules (specifiers or file URLs) each worker imports before starting its backend, e.g. one that registers a backend. The module of the model's attention kind (`registerAttention(kind, factory, { module })`) is added. Default none. */
  setup?: string[];
}

interface Shard {
  worker: Worker;
  grads: Float32Array;
  pending?: { resolve: (reply: StepReply) => void; reject: (error: Error) => void };
  failure?: Error;
}

export class DataParallel implements StepRunner {
  private closed = false;

  private constructor(
    private readonly model: GPT,
    private readonly shards: Shard[],
    private readonly layout: ParamLayout[],
    private readonly weights: Float32Array,
    private readonly maxRows: number,
  ) {}

  /** Starts `threads - 1` workers with the model's config (their weights come from the model at each step). */
  static async start(model: GPT, options: DataParallelOptions): Promise<DataParallel> {
    const { threads, maxRows = Number.POSITIVE_INFINITY } = options;
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`DataParallel: threads must be a positive integer, got ${threads}.`);
    if (!(maxRows >= 1)) throw new RangeError(`DataParallel: maxRows must be at least 1, got ${maxRows}.`);
    const backend = options.backend ?? tf.getBackend();
    const info = backendByTfName(backend);
    if (threads > 1 && info !== undefined && !info.workerThreads) {
      throw new Error(
        `DataParallel: worker threads add CPU cores to the wasm and cpu backends; the "${info.name}" backend ${info.native ? 'uses every core by itself' : 'runs on the GPU'}. Train on one thread.`,
      );
    }
    const setup = threads > 1 ? [...(options.setup ?? []), ...attentionModules(model.config.attention)] : [];
    let offset = 0;
    const layout: ParamLayout[] = model.namedParameters().map(([name, p]) => {
      const entry = { name, offset, shape: p.shape };
      offset += p.size;
      return entry;
    });
    const weights = new Float32Array(new SharedArrayBuffer(offset * 4));
    const shards: Shard[] = [];
    const group = new DataParallel(model, shards, layout, weights, Math.floor(maxRows));
    try {
      for (let i = 1; i < threads; i++) {
        const grads = new Float32Array(new SharedArrayBuffer(offset * 4));
        const init: WorkerInit = { config: model.config, backend, setup, layout, weights, grads };
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
        worker.unref(); // an unclosed group never keeps the process alive
        const shard: Shard = { worker, grads };
        shards.push(shard);
        group.listen(shard, i);
      }
      await Promise.all(shards.map((s) => group.request(s, { type: 'ping' })));
    } catch (error) {
      await group.close();
      throw error;
    }
    return group;
  }

  /** Threads in all, this one included. */
  get threads(): number {
    return this.shards.length + 1;
  }

  /**
   * One optimizer step over `microBatches` (each `(B, T)`): their rows are shared out among the
   * threads (in passes of at most `maxRows`, see `planPasses`), each row weighing the same as in
   * `trainStep`; gradients are summed, clipped, applied.
   */
  async step(microBatches: readonly Batch[], optimizer: AdamW, options: TrainStepOptions = {}): Promise<TrainStepResult> {
    if (this.closed) throw new Error('DataParallel.step: the workers were closed.');
    if (microBatches.length === 0) throw new Error('DataParallel.step: pass at least one micro-batch.');
    // 1. Who runs which rows; the weights, for the workers.
    const plan = planPasses(microBatches, this.threads, this.maxRows);
    const T = microBatches[0]!.blockSize;
    if (plan.length > 1) {
      for (const [i, [, p]] of this.model.namedParameters().entries())
        this.weights.set((await p.data()) as Float32Array, this.layout[i]!.offset);
    }
    // 2. Workers start on their rows; this thread computes its own meanwhile.
    const replies = this.shards
      .slice(0, plan.length - 1)
      .map((shard, k) =>
        this.request(shard, { type: 'step', T, passes: plan[k + 1]!, rng: new SeededRandom(this.model.rng.nextUint32()).getState() }),
      );
    for (const reply of replies) reply.catch(() => undefined); // awaited in order below; a later failure must not go unhandled meanwhile
    let mine: ReturnType<typeof passGradients>;
    try {
      mine = passGradients(this.model, plan[0]!, T);
    } catch (error) {
      await Promise.allSettled(replies);
      throw error;
    }
    // 3. Their gradients added to ours, in thread order; the loss and norm read once.
    const { losses, grads } = mine;
    const theirs: number[] = [];
    try {
      for (const [k, reply] of replies.entries()) {
        const done = await reply;
        if (done.type === 'done') theirs.push(done.loss);
        const shared = this.shards[k]!.grads;
        for (const { name, offset, shape } of this.layout) {
          const sum = grads.get(name)!;
          grads.set(
            name,
            tf.tidy(() => tf.add(sum, tf.tensor(shared.subarray(offset, offset + sum.size), shape))),
          );
          sum.dispose();
        }
      }
    } catch (error) {
      tf.dispose([...losses, ...grads.values()]);
      await Promise.allSettled(replies);
      throw error;
    }
    const measured = await measureStep(losses, grads);
    for (const loss of theirs) measured.loss += loss;
    // 4. Clip and apply.
    return applyGradients(grads, measured, optimizer, options);
  }

  /** Stops the workers (again: nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  private listen(shard: Shard, index: number): void {
    const fail = (error: Error) => {
      shard.failure = error;
      shard.pending?.reject(error);
      shard.pending = undefined;
    };
    shard.worker.on('message', (reply: StepReply) => {
      const pending = shard.pending;
      shard.pending = undefined;
      if (reply.type === 'error') pending?.reject(new Error(`training worker ${index}: ${reply.message}`));
      else pending?.resolve(reply);
    });
    shard.worker.on('error', (error) => fail(new Error(`training worker ${index} failed: ${error.message}`, { cause: error })));
    shard.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`training worker ${index} exited (code ${code}); run with --workers 1 to train without workers.`));
    });
  }

  private request(shard: Shard, message: StepRequest): Promise<StepReply> {
    if (shard.failure) return Promise.reject(shard.failure);
    return new Promise((resolve, reject) => {
      shard.pending = { resolve, reject };
      shard.worker.postMessage(message);
    });
  }
}
