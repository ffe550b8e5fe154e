import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '@scratchgpt/model';
import type { TensorBatch } from './train-step';

/**
 * nanoGPT's `estimate_loss`: the mean loss over `evalIters` batches of each split, in eval mode
 * (no dropout); the model's mode is restored afterwards.
 */
export function estimateLoss(model: GPT, splits: Record<string, () => TensorBatch>, evalIters: number): Record<string, number> {
  if (!Number.isInteger(evalIters) || evalIters < 1) throw new RangeError(`estimateLoss: evalIters must be a positive integer, got ${evalIters}.`);
  const wasTraining = model.training;
  model.eval();
  try {
    const out: Record<string, number> = {};
    for (const [split, next] of Object.entries(splits)) {
      let total = 0;
      for (let i = 0; i < evalIters; i++) {
        const { x, y } = next();
        total += tf.tidy(() => model.loss(x, y, { training: false }).dataSync()[0]!);
        tf.dispose([x, y]);
      }
      out[split] = total / evalIters;
    }
    return out;
  } finally {
    model.train(wasTraining);
  }
}
