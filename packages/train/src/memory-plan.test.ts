import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { GPT } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { measurePassMemory, rowsWithin } from './memory-plan';
import { accumulateGradients } from './train-step';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('measurePassMemory', () => {
  it('predicts the peak memory of a pass of 6 rows from passes of 1 and 2 (within 10%), and leaves the dropout stream alone', async () => {
    const model = new GPT({ vocabSize: 20, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0.1, bias: false });
    const rng = model.rng.getState();
    const tensors = tf.memory().numTensors;
    const memory = await measurePassMemory(model);
    expect(model.rng.getState()).toEqual(rng);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(memory.bytesPerRow).toBeGreaterThan(32 * 32 * 4); // at least one activation of a row
    const [x, y] = [tf.zeros([6, 32], 'int32'), tf.zeros([6, 32], 'int32')];
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => tf.dispose([...accumulateGradients(model, [{ x, y, weight: 1 }]).grads.values()]));
    const predicted = memory.fixedBytes + 6 * memory.bytesPerRow;
    expect(Math.abs(info.peakBytes - before - predicted) / predicted).toBeLessThan(0.1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('gives the rows that fit a budget, and at least one', () => {
    expect(rowsWithin({ fixedBytes: 100, bytesPerRow: 50 }, 1000)).toBe(18);
    expect(rowsWithin({ fixedBytes: 100, bytesPerRow: 50 }, 120)).toBe(1);
  });
});
