import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { GPT } from './gpt';

/** Two rows of token ids and their next-token targets. */
const batch = () => ({
  x: tf.tensor2d(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1]), [2, 8], 'int32'),
  y: tf.tensor2d(Int32Array.from([2, 3, 4, 5, 6, 7, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0]), [2, 8], 'int32'),
});

/** Loss at init and after each of 3 Adam steps, on one backend. */
async function lossesOn(backend: string): Promise<number[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const model = new GPT({ vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true }, { seed: 1 });
  const { x, y } = batch();
  const optimizer = tf.train.adam(1e-2);
  const losses = [model.loss(x, y).dataSync()[0]!];
  for (let i = 0; i < 3; i++) {
    optimizer.minimize(() => model.loss(x, y), false);
    losses.push(model.loss(x, y).dataSync()[0]!);
  }
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return losses;
}

describe('backends', () => {
  it('cpu and wasm give the same losses (1e-4) through forward, backward (embeddings included) and Adam', async () => {
    const cpu = await lossesOn('cpu');
    const wasm = await lossesOn('wasm');
    expect(cpu[3]!).toBeLessThan(cpu[0]! - 0.1); // it learns
    for (const [i, l] of cpu.entries()) expect(Math.abs(l - wasm[i]!)).toBeLessThan(1e-4);
  });
});

describe('fast paths', () => {
  it('a GPT with fast paths has the loss and gradients of the reference GPT on wasm (1e-5), tied head included', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const { x, y } = batch();
    const run = (fastPaths: boolean) => {
      const model = new GPT(
        { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1, bias: true, fastPaths },
        { seed: 1 },
      );
      const { value, grads } = tf.variableGrads(() => model.loss(x, y, { training: true }), model.parameters());
      const out = { loss: value.dataSync()[0]!, grads: model.parameters().map((p) => grads[p.name]!.dataSync()) };
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const [fast, reference] = [run(true), run(false)];
    expect(Math.abs(fast.loss - reference.loss)).toBeLessThan(1e-5);
    for (const [i, g] of fast.grads.entries())
      for (const [j, v] of g.entries()) expect(Math.abs(v - reference.grads[i]![j]!)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });
});
