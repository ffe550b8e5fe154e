import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { GPT } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { measurePassMemory, planPassRows, rowBytesFloor, rowsWithin } from './memory-plan';
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

describe('planPassRows', () => {
  it('refuses a row that cannot fit before measuring it (measuring would abort the wasm heap)', async () => {
    // 8 layers × 8 heads × 65536² floats of attention alone: 1.1 TB. The model itself is small.
    const model = new GPT({ vocabSize: 20, blockSize: 65_536, nLayer: 8, nHead: 8, nEmbd: 16, dropout: 0, bias: false });
    const tensors = tf.memory().numTensors;
    await expect(planPassRows(model, 3e9)).rejects.toThrow(
      /one row of 65536 tokens needs at least [\d,]+ MB in a forward \+ backward pass, more than the 3,000 MB a pass may take .* use a smaller blockSize/,
    );
    expect(tf.memory().numTensors).toBe(tensors); // nothing was run
    model.dispose();
  });

  it('has a floor below what a pass really takes', async () => {
    // Long rows, where attention's T × T dominates as it does in a row that cannot fit.
    const model = new GPT({ vocabSize: 65, blockSize: 512, nLayer: 2, nHead: 4, nEmbd: 32, dropout: 0, bias: false });
    const memory = await measurePassMemory(model);
    expect(rowBytesFloor(model.config)).toBeLessThan(memory.bytesPerRow);
    expect(rowBytesFloor(model.config)).toBeGreaterThan(memory.bytesPerRow / 10); // and not a useless one
    model.dispose();
  });
});
