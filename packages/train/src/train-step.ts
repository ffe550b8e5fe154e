/**
 * One optimizer step over one or more micro-batches: gradients of the mean loss are accumulated
 * (each micro-batch's loss weighted by its share of the rows: 1/n for equal ones, as nanoGPT's
 * gradient accumulation), clipped to a global norm, then applied.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '@scratchgpt/model';
import type { AdamW } from './adamw';

/** A batch of inputs and targets `(B, T)`, as tensors (e.g. `batch.toTensors(tf)`). */
export interface TensorBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Learning rate of this step. Default: the optimizer's. */
  lr?: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. Default 1.0 (nanoGPT). */
  gradClip?: number;
}

/** What a step did. */
export interface TrainStepResult {
  /** Mean loss over the micro-batches, before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** One part of a step's batch and its share of the step's loss (its rows over all rows of the step). */
export interface WeightedBatch extends TensorBatch {
  weight: number;
}

/**
 * Gradients of `Σ weight · loss(part)` over the parts, summed per parameter name, and that sum of
 * losses. The caller owns (and disposes) the gradients.
 */
export function accumulateGradients(model: GPT, parts: readonly WeightedBatch[]): { loss: number; grads: Map<string, tf.Tensor> } {
  const named = model.namedParameters();
  const byVariable = new Map(named.map(([name, p]) => [p.name, name]));
  const variables = named.map(([, p]) => p);
  const sums = new Map<string, tf.Tensor>();
  let loss = 0;
  try {
    for (const { x, y, weight } of parts) {
      const { value, grads } = tf.variableGrads(() => tf.mul(model.loss(x, y, { training: true }), weight), variables);
      loss += value.dataSync()[0]!;
      value.dispose();
      for (const [variableName, g] of Object.entries(grads)) {
        const name = byVariable.get(variableName)!;
        const sum = sums.get(name);
        sums.set(name, sum ? tf.tidy(() => tf.add(sum, g)) : g);
        if (sum) tf.dispose([sum, g]);
      }
    }
  } catch (error) {
    tf.dispose([...sums.values()]);
    throw error;
  }
  return { loss, grads: sums };
}

/**
 * Clips `grads` to a global norm (as torch.nn.utils.clip_grad_norm_) and applies them with the
 * optimizer, unless `loss` or the norm is not finite (then nothing is applied and the caller
 * stops). Disposes `grads`.
 */
export function applyGradients(grads: Map<string, tf.Tensor>, loss: number, optimizer: AdamW, options: TrainStepOptions = {}): TrainStepResult {
  const gradClip = options.gradClip ?? 1;
  try {
    const gradNorm = tf.tidy(() => Math.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, gradNorm };
    if (gradClip > 0 && gradNorm > gradClip) {
      const scale = gradClip / (gradNorm + 1e-6);
      for (const [name, g] of grads) {
        grads.set(name, tf.mul(g, scale));
        g.dispose();
      }
    }
    optimizer.step(grads, options.lr);
    return { loss, gradNorm };
  } finally {
    tf.dispose([...grads.values()]);
  }
}

/** One step: gradients of the mean loss over every row of the micro-batches, clipped, applied. */
export function trainStep(model: GPT, microBatches: readonly TensorBatch[], optimizer: AdamW, options: TrainStepOptions = {}): TrainStepResult {
  if (microBatches.length === 0) throw new Error('trainStep: pass at least one micro-batch.');
  // 1. Accumulate gradients, each micro-batch weighing its rows over all rows (1/n for equal ones); 2. clip; 3. update.
  const rows = microBatches.reduce((n, b) => n + b.x.shape[0]!, 0);
  const { loss, grads } = accumulateGradients(model, microBatches.map((b) => ({ ...b, weight: b.x.shape[0]! / rows })));
  return applyGradients(grads, loss, optimizer, options);
}
