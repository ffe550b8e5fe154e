/**
 * Losses in eval mode (no dropout): nanoGPT's `estimate_loss` over random batches, and
 * {@link evaluate}, which counts every token of a text once. Both read their losses
 * asynchronously, once per split or text, and restore the model's mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkTokenIds } from '@scratchgpt/data';
import type { GPT } from '@scratchgpt/model';
import type { TensorBatch } from './train-step';

/** Runs `fn` with the model in eval mode, then restores its mode. */
async function inEvalMode<T>(model: GPT, fn: () => Promise<T>): Promise<T> {
  const wasTraining = model.training;
  model.eval();
  try {
    return await fn();
  } finally {
    model.train(wasTraining);
  }
}

/** The per-batch mean losses of `batches`, read in one go. */
async function losses(model: GPT, batches: Iterable<TensorBatch>): Promise<Float32Array> {
  const scalars: tf.Scalar[] = [];
  try {
    for (const { x, y } of batches) {
      try {
        scalars.push(tf.tidy(() => model.loss(x, y, { training: false })));
      } finally {
        tf.dispose([x, y]);
      }
    }
    const stacked = tf.stack(scalars);
    try {
      return (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
  } finally {
    tf.dispose(scalars);
  }
}

/** nanoGPT's `estimate_loss`: the mean loss over `evalIters` batches of each split. */
export async function estimateLoss(
  model: GPT,
  splits: Record<string, () => TensorBatch>,
  evalIters: number,
): Promise<Record<string, number>> {
  if (!Number.isInteger(evalIters) || evalIters < 1)
    throw new RangeError(`estimateLoss: evalIters must be a positive integer, got ${evalIters}.`);
  return inEvalMode(model, async () => {
    const out: Record<string, number> = {};
    for (const [split, next] of Object.entries(splits)) {
      const batches = function* () {
        for (let i = 0; i < evalIters; i++) yield next(); // one batch at a time
      };
      const values = await losses(model, batches());
      let total = 0;
      for (const v of values) total += v;
      out[split] = total / evalIters;
    }
    return out;
  });
}

/**
 * The total loss (nats) over every target of `ids`: the text is cut into consecutive windows of
 * blockSize targets (the last one shorter), each target predicted from up to blockSize tokens
 * before it in its window; full windows go `batchSize` at a time. Nats per token depend on the
 * tokenizer; divided by the characters covered they give bits per character, which do not.
 */
export async function evaluate(
  model: GPT,
  ids: ArrayLike<number>,
  options: { batchSize: number },
): Promise<{ nats: number; tokens: number }> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`evaluate: batchSize must be a positive integer, got ${batchSize}.`);
  if (ids.length < 2) throw new RangeError(`evaluate: the text has ${ids.length} token(s); it needs at least 2 (an input and its target).`);
  checkTokenIds(ids, model.config.vocabSize, 'the evaluated text');
  const T = model.config.blockSize;
  // 1. The windows: batches of full ones, the short tail alone.
  const batches: Array<{ starts: number[]; len: number }> = [];
  let full: number[] = [];
  for (let start = 0; start + 1 < ids.length; start += T) {
    const len = Math.min(T, ids.length - 1 - start);
    if (len < T) batches.push({ starts: [start], len });
    else {
      full.push(start);
      if (full.length === batchSize) {
        batches.push({ starts: full, len: T });
        full = [];
      }
    }
  }
  if (full.length > 0) batches.push({ starts: full, len: T });
  // 2. Their mean losses, read once; weighted back to totals in order.
  const tensors = function* () {
    for (const { starts, len } of batches) {
      const [x, y] = [new Int32Array(starts.length * len), new Int32Array(starts.length * len)];
      starts.forEach((start, row) => {
        for (let t = 0; t < len; t++) {
          x[row * len + t] = ids[start + t]!;
          y[row * len + t] = ids[start + t + 1]!;
        }
      });
      yield { x: tf.tensor2d(x, [starts.length, len], 'int32'), y: tf.tensor2d(y, [starts.length, len], 'int32') };
    }
  };
  const means = await inEvalMode(model, () => losses(model, tensors()));
  let nats = 0;
  let tokens = 0;
  batches.forEach(({ starts, len }, i) => {
    nats += means[i]! * starts.length * len;
    tokens += starts.length * len;
  });
  return { nats, tokens };
}
