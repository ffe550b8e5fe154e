/**
 * One optimizer step over one or more micro-batches: gradients of the mean loss are accumulated
 * (each micro-batch's loss divided by their number, as nanoGPT's gradient accumulation), clipped
 * to a global norm, then applied.
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

export function trainStep(model: GPT, microBatches: readonly TensorBatch[], optimizer: AdamW, options: TrainStepOptions = {}): TrainStepResult {
  if (microBatches.length === 0) throw new Error('trainStep: pass at least one micro-batch.');
  const gradClip = options.gradClip ?? 1;
  const named = model.namedParameters();
  const byVariable = new Map(named.map(([name, p]) => [p.name, name]));
  const variables = named.map(([, p]) => p);
  const sums = new Map<string, tf.Tensor>();
  let loss = 0;
  try {
    // 1. Accumulate gradients of loss / n over the micro-batches.
    for (const { x, y } of microBatches) {
      const { value, grads } = tf.variableGrads(() => tf.div(model.loss(x, y, { training: true }), microBatches.length), variables);
      loss += value.dataSync()[0]!;
      value.dispose();
      for (const [variableName, g] of Object.entries(grads)) {
        const name = byVariable.get(variableName)!;
        const sum = sums.get(name);
        sums.set(name, sum ? tf.tidy(() => tf.add(sum, g)) : g);
        if (sum) tf.dispose([sum, g]);
      }
    }
    // 2. Global norm, and clipping as torch.nn.utils.clip_grad_norm_.
    const gradNorm = tf.tidy(() => Math.sqrt(tf.addN([...sums.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, gradNorm }; // the caller stops; nothing applied
    if (gradClip > 0 && gradNorm > gradClip) {
      const scale = gradClip / (gradNorm + 1e-6);
      for (const [name, g] of sums) {
        sums.set(name, tf.mul(g, scale));
        g.dispose();
      }
    }
    // 3. Update.
    optimizer.step(sums, options.lr);
    return { loss, gradNorm };
  } finally {
    tf.dispose([...sums.values()]);
  }
}
