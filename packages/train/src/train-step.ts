/**
 * One optimizer step over one or more micro-batches: gradients of the mean loss are accumulated
 * (each part's loss weighted by its share of the step's rows: 1/n for equal micro-batches, as
 * nanoGPT's gradient accumulation), clipped to a global norm, then applied. The step's loss and
 * gradient norm come back in one asynchronous read (a synchronous one would stall a GPU, and
 * throws on tfjs's WebGPU backend in Node).
 *
 * A step's rows can be split into passes (to fit memory) and shared among threads: `planPasses`
 * says which rows each thread runs, `localSteps` runs them all in this thread, and `DataParallel`
 * (`@scratchgpt/train/node`) over worker threads; both are a {@link StepRunner}.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '@scratchgpt/data';
import type { GPT } from '@scratchgpt/model';
import { backendHasKernel, runFused } from '@scratchgpt/nn';
import type { AdamW } from './adamw';
import { SumOfSquaresKernel } from './webgpu/sum-squares';

/** A batch of inputs and targets `(B, T)`, as tensors (e.g. `batch.toTensors(tf)`). */
export interface TensorBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Options of a step. */
export interface TrainStepOptions {
  /** Learning rate of this step. Default: the optimizer's. */
  lr?: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. Default 1.0 (nanoGPT). */
  gradClip?: number;
}

/** What a step did. */
export interface TrainStepResult {
  /** Mean loss over the step's rows, before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** One part of a step's batch and its share of the step's loss (its rows over all rows of the step). */
export interface WeightedBatch extends TensorBatch {
  weight: number;
}

/**
 * Gradients of `Σ weight · loss(part)` over the parts, summed per parameter name, and each part's
 * weighted loss (unread scalars: {@link measureStep} reads them). The caller owns (and disposes)
 * both.
 */
export function accumulateGradients(model: GPT, parts: readonly WeightedBatch[]): { losses: tf.Scalar[]; grads: Map<string, tf.Tensor> } {
  const named = model.namedParameters();
  const byVariable = new Map(named.map(([name, p]) => [p.name, name]));
  const variables = named.map(([, p]) => p);
  const sums = new Map<string, tf.Tensor>();
  const losses: tf.Scalar[] = [];
  try {
    for (const { x, y, weight } of parts) {
      const { value, grads } = tf.variableGrads(() => tf.mul(model.loss(x, y, { training: true }), weight), variables);
      losses.push(value);
      for (const [variableName, g] of Object.entries(grads)) {
        const name = byVariable.get(variableName)!;
        const sum = sums.get(name);
        sums.set(name, sum ? tf.tidy(() => tf.add(sum, g)) : g);
        if (sum) tf.dispose([sum, g]);
      }
    }
  } catch (error) {
    tf.dispose([...sums.values(), ...losses]);
    throw error;
  }
  return { losses, grads: sums };
}

/** How a step runs, which changes no number beyond float rounding (as `AdamWRunOptions`). */
export interface StepRunOptions {
  /** Use the fused kernels where the backend has them (webgpu). Default true; false: always the reference. */
  fused?: boolean;
}

/**
 * `Σ_t Σ_i t[i]²` over `tensors` (the square of their global norm), a scalar. On a backend with the
 * fused kernel (webgpu: `webgpu/sum-squares.ts`) a few dispatches for all of them; elsewhere, or with
 * `fused: false`, the reference: `addN(sum(square(t)))`, two ops per tensor and the AddN.
 */
export function sumOfSquares(tensors: readonly tf.Tensor[], options: StepRunOptions = {}): tf.Scalar {
  if ((options.fused ?? true) && tensors.length > 0 && backendHasKernel(SumOfSquaresKernel)) {
    return runFused(SumOfSquaresKernel, tensors as unknown as tf.NamedTensorMap);
  }
  return tf.tidy(() => tf.addN(tensors.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
}

/**
 * The step's loss (the parts' weighted losses summed in order) and the global gradient norm, in
 * one asynchronous read. Disposes `losses`; keeps `grads`, unless the read fails.
 */
export async function measureStep(
  losses: readonly tf.Scalar[],
  grads: ReadonlyMap<string, tf.Tensor>,
  options: StepRunOptions = {},
): Promise<TrainStepResult> {
  const packed = tf.tidy(() => {
    const squares = sumOfSquares([...grads.values()], options); // Σ‖g‖²
    return tf.concat([tf.stack([...losses]), tf.reshape(squares, [1])]); // (parts + 1)
  });
  tf.dispose([...losses]);
  try {
    const values = await packed.data();
    let loss = 0;
    for (let i = 0; i < losses.length; i++) loss += values[i]!;
    return { loss, gradNorm: Math.sqrt(values[losses.length]!) };
  } catch (error) {
    tf.dispose([...grads.values()]); // the step cannot go on
    throw error;
  } finally {
    packed.dispose();
  }
}

/**
 * Clips `grads` to a global norm (as torch.nn.utils.clip_grad_norm_) and applies them with the
 * optimizer, unless the loss or the norm is not finite (then nothing is applied: the caller
 * stops). Disposes `grads`. The clipping scale goes to `AdamW.step` as `gradScale`: its fused
 * kernels scale the gradients as they read them; its reference multiplies each, as before.
 */
export function applyGradients(
  grads: Map<string, tf.Tensor>,
  measured: TrainStepResult,
  optimizer: AdamW,
  options: TrainStepOptions = {},
): TrainStepResult {
  const gradClip = options.gradClip ?? 1;
  try {
    if (!Number.isFinite(measured.loss) || !Number.isFinite(measured.gradNorm)) return measured;
    const clipped = gradClip > 0 && measured.gradNorm > gradClip;
    optimizer.step(grads, options.lr, clipped ? gradClip / (measured.gradNorm + 1e-6) : 1);
    return measured;
  } finally {
    tf.dispose([...grads.values()]);
  }
}

/**
 * One step: gradients of the mean loss over every row of the micro-batches, clipped, applied. The
 * optimizer's `fused` also chooses the norm's kernel (`fused: false`: the reference throughout).
 */
export async function trainStep(
  model: GPT,
  microBatches: readonly TensorBatch[],
  optimizer: AdamW,
  options: TrainStepOptions = {},
): Promise<TrainStepResult> {
  if (microBatches.length === 0) throw new Error('trainStep: pass at least one micro-batch.');
  // 1. Accumulate gradients, each micro-batch weighing its rows over all rows (1/n for equal ones); 2. read; 3. clip and update.
  const rows = microBatches.reduce((n, b) => n + b.x.shape[0]!, 0);
  const { losses, grads } = accumulateGradients(
    model,
    microBatches.map((b) => ({ ...b, weight: b.x.shape[0]! / rows })),
  );
  return applyGradients(grads, await measureStep(losses, grads, { fused: optimizer.fused }), optimizer, options);
}

/** Rows of one micro-batch that one thread runs in one forward + backward pass, and their share of the step's loss. */
export interface Pass {
  x: Int32Array;
  y: Int32Array;
  rows: number;
  weight: number;
}

/**
 * Who runs which rows of a step: thread k gets rows `[k·B/n, (k+1)·B/n)` of every micro-batch, in
 * passes of at most `maxRows`, each weighing its rows over all rows of the step. `n` is at most
 * the rows of the smallest micro-batch, so no thread gets none.
 */
export function planPasses(microBatches: readonly Batch[], threads: number, maxRows: number): Pass[][] {
  const n = Math.max(1, Math.min(threads, ...microBatches.map((b) => b.batchSize)));
  const allRows = microBatches.reduce((sum, b) => sum + b.batchSize, 0);
  const plan: Pass[][] = Array.from({ length: n }, () => []);
  for (const { x, y, batchSize: B, blockSize: T } of microBatches) {
    for (let k = 0; k < n; k++) {
      const [from, to] = [Math.floor((k * B) / n), Math.floor(((k + 1) * B) / n)];
      for (let r0 = from; r0 < to; r0 += maxRows) {
        const r1 = Math.min(r0 + maxRows, to);
        plan[k]!.push({ x: x.slice(r0 * T, r1 * T), y: y.slice(r0 * T, r1 * T), rows: r1 - r0, weight: (r1 - r0) / allRows });
      }
    }
  }
  return plan;
}

/** Gradients and weighted losses of one thread's passes (as {@link accumulateGradients}). */
export function passGradients(model: GPT, passes: readonly Pass[], T: number): { losses: tf.Scalar[]; grads: Map<string, tf.Tensor> } {
  const parts = passes.map((p) => ({
    x: tf.tensor2d(p.x, [p.rows, T], 'int32'),
    y: tf.tensor2d(p.y, [p.rows, T], 'int32'),
    weight: p.weight,
  }));
  try {
    return accumulateGradients(model, parts);
  } finally {
    tf.dispose(parts.flatMap((p) => [p.x, p.y]));
  }
}

/** Runs steps of batches: in this thread ({@link localSteps}), or over worker threads (`DataParallel`). */
export interface StepRunner {
  /** Threads that run passes, this one included. */
  readonly threads: number;
  /** One optimizer step over `microBatches` (each `(B, T)`). */
  step(microBatches: readonly Batch[], optimizer: AdamW, options?: TrainStepOptions): Promise<TrainStepResult>;
  /** Frees what the runner holds (threads); again: nothing. */
  close(): Promise<void>;
}

/** Starts a {@link StepRunner} for a model, with passes of at most `maxRows` rows. */
export type ParallelFactory = (model: GPT, plan: { maxRows: number }) => Promise<StepRunner>;

/** Every pass in this thread, one after another (gradient accumulation): the same step as one big pass. */
export const localSteps: ParallelFactory = async (model, { maxRows }) => ({
  threads: 1,
  async step(microBatches, optimizer, options = {}) {
    if (microBatches.length === 0) throw new Error('StepRunner.step: pass at least one micro-batch.');
    const [mine] = planPasses(microBatches, 1, maxRows);
    const { losses, grads } = passGradients(model, mine!, microBatches[0]!.blockSize);
    return applyGradients(grads, await measureStep(losses, grads, { fused: optimizer.fused }), optimizer, options);
  },
  async close() {},
});
