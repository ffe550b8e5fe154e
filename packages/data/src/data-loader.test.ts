import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { DataLoader } from './data-loader';
import { SlidingWindowDataset } from './sliding-window';

const ids = Int32Array.from({ length: 41 }, (_, i) => i);
const dataset = new SlidingWindowDataset(ids, { maxLength: 4, stride: 4 }); // 10 windows, starts 0, 4, ..., 36

const firstInputs = (loader: Iterable<{ x: Int32Array; batchSize: number; blockSize: number }>) =>
  [...loader].flatMap((b) => Array.from({ length: b.batchSize }, (_, r) => b.x[r * b.blockSize]!));

describe('DataLoader', () => {
  it('yields [B, T] int32 batches in order without shuffle, last batch smaller', () => {
    const loader = new DataLoader(dataset, { batchSize: 4 });
    const batches = [...loader];
    expect(loader.length).toBe(3);
    expect(batches.map((b) => b.shape)).toEqual([
      [4, 4],
      [4, 4],
      [2, 4],
    ]);
    expect(Array.from(batches[0]!.x.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(batches[0]!.y.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(batches[2]!.row(1).y)).toEqual([37, 38, 39, 40]);
  });

  it('drops the short last batch with dropLast', () => {
    const loader = new DataLoader(dataset, { batchSize: 4, dropLast: true });
    expect([...loader].map((b) => b.batchSize)).toEqual([4, 4]);
  });

  it('shuffles each epoch differently, covering every window once, the same for the same seed', () => {
    const a = new DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 5 });
    const b = new DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 5 });
    const epoch0 = firstInputs(a);
    const epoch1 = firstInputs(a);
    expect([...epoch0].sort((x, y) => x - y)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    expect(epoch1).not.toEqual(epoch0);
    expect(firstInputs(b)).toEqual(epoch0);
    expect(firstInputs({ [Symbol.iterator]: () => b.epoch(1) })).toEqual(epoch1);
    expect(firstInputs(new DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 6 }))).not.toEqual(epoch0);
  });

  it('makes tfjs int32 tensors of shape [B, T]', () => {
    const batch = new DataLoader(dataset, { batchSize: 2 })[Symbol.iterator]().next().value!;
    const { x, y } = batch.toTensors(tf);
    expect(x.shape).toEqual([2, 4]);
    expect(x.dtype).toBe('int32');
    expect(y.arraySync()).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    tf.dispose([x, y]);
  });

  it('explains a batch larger than the dataset with dropLast, and a bad batchSize', () => {
    expect(() => new DataLoader(dataset, { batchSize: 11, dropLast: true })).toThrow(
      "batchSize 11 is larger than the dataset's 10 windows, so dropLast would drop every batch",
    );
    expect(new DataLoader(dataset, { batchSize: 11 }).length).toBe(1);
    expect(() => new DataLoader(dataset, { batchSize: 0 })).toThrow('batchSize must be a positive integer, got 0');
  });
});
