import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from './wasm-kernels';

/** Small deterministic generator (the tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValues(n: number, seed: number, int = false): number[] {
  const rand = lcg(seed);
  return Array.from({ length: n }, () => (int ? Math.floor(rand() * 21) - 10 : rand() * 4 - 2));
}

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  // setBackend resolves to false (it does not throw) when the backend fails to initialise.
  expect(await tf.setBackend(name)).toBe(true);
  expect(tf.getBackend()).toBe(name);
}

interface Result {
  shape: number[];
  dtype: tf.DataType;
  values: number[];
}

/** Runs `f` on `backend` and returns its result as plain data (tensors disposed). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Result> {
  await useBackend(backend);
  const t = f();
  const out = { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) };
  t.dispose();
  return out;
}

function expectClose(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = actual.reduce((m, a, i) => Math.max(m, Math.abs(a - (expected[i] as number))), 0);
  expect(worst).toBeLessThanOrEqual(tol);
}

const V = 7;
const C = 5;
// Repeated ids (1 three times, 3 twice) and unused rows (2, 4, 5); 2-D like a [batch, time] batch.
const IDS = [
  [1, 3, 3, 0],
  [6, 1, 1, 3],
];
const tableValues = randomValues(V * C, 42);

function gatherLoss(table: tf.Tensor, ids: tf.Tensor): tf.Scalar {
  return tf.sum(tf.square(tf.gather(table, ids)));
}

function gatherGrad(): tf.Tensor {
  return tf.tidy(() => {
    const table = tf.tensor2d(tableValues, [V, C]);
    const ids = tf.tensor2d(IDS, [2, 4], 'int32');
    return tf.grad((t: tf.Tensor) => gatherLoss(t, ids))(table);
  });
}

describe('UnsortedSegmentSum on the wasm backend', () => {
  // Runs first and restores what it changes, so it holds however the rest of the file is run.
  it('is missing from tfjs-backend-wasm: without registerWasmKernels the gather gradient fails', async () => {
    await useBackend('wasm');
    const existing = tf.getKernel(tf.UnsortedSegmentSum, 'wasm') as tf.KernelConfig | undefined;
    if (existing !== undefined) tf.unregisterKernel(tf.UnsortedSegmentSum, 'wasm');
    try {
      expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm')).toBeUndefined();
      expect(() => gatherGrad().dispose()).toThrow(/UnsortedSegmentSum/);
    } finally {
      registerWasmKernels();
    }
    expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm')).toBeDefined();
    // Idempotent: a second call neither throws nor re-registers.
    const registered = tf.getKernel(tf.UnsortedSegmentSum, 'wasm');
    registerWasmKernels();
    expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm')).toBe(registered);
  });

  beforeAll(() => {
    registerWasmKernels();
  });

  it('matches the cpu backend on random float32 data with repeated ids and an unused segment', async () => {
    const n = 40;
    const numSegments = 9;
    const rand = lcg(7);
    // Segment 4 is never used; the rest repeat.
    const ids = Array.from({ length: n }, () => {
      const s = Math.floor(rand() * (numSegments - 1));
      return s >= 4 ? s + 1 : s;
    });
    expect(ids).not.toContain(4);
    const xs = randomValues(n * 3, 11);
    const f = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor2d(xs, [n, 3]), tf.tensor1d(ids, 'int32'), numSegments);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.shape).toEqual([numSegments, 3]);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(wasm.dtype).toBe('float32');
    expectClose(wasm.values, cpu.values, 1e-5);
    expect(wasm.values.slice(4 * 3, 5 * 3)).toEqual([0, 0, 0]);
  });

  it('matches the cpu backend for a 3-D x (segments over the first axis)', async () => {
    const shape: [number, number, number] = [10, 3, 4];
    const ids = [2, 0, 2, 5, 0, 0, 3, 2, 5, 1]; // segment 4 unused, 5 of 6 used
    const xs = randomValues(10 * 3 * 4, 3);
    const f = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor3d(xs, shape), tf.tensor1d(ids, 'int32'), 6);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.shape).toEqual([6, 3, 4]);
    expect(wasm.shape).toEqual(cpu.shape);
    expectClose(wasm.values, cpu.values, 1e-5);
  });

  it('matches the cpu backend for a 1-D int32 x, keeping the int32 dtype', async () => {
    const ids = [1, 1, 0, 3, 1, 0, 3, 3];
    const xs = randomValues(ids.length, 5, true);
    const f = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor1d(xs, 'int32'), tf.tensor1d(ids, 'int32'), 5);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.dtype).toBe('int32');
    expect(wasm.shape).toEqual([5]);
    expect(wasm.values).toEqual(cpu.values);
  });

  it('drops ids outside [0, numSegments) like the cpu backend', async () => {
    const ids = [0, -1, 2, 3, 7, 2, -5];
    const xs = randomValues(ids.length * 2, 9);
    const f = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor2d(xs, [ids.length, 2]), tf.tensor1d(ids, 'int32'), 3);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.shape).toEqual([3, 2]);
    expectClose(wasm.values, cpu.values, 1e-6);
    // No valid id at all: all zeros.
    const none = await on('wasm', () =>
      tf.unsortedSegmentSum(
        tf.tensor2d(xs, [ids.length, 2]),
        tf.tensor1d(
          ids.map((i) => i + 10),
          'int32',
        ),
        3,
      ),
    );
    expect(none.values).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("gives tf.gather's gradient for an embedding table, matching the cpu backend to 1e-5", async () => {
    const cpu = await on('cpu', gatherGrad);
    const wasm = await on('wasm', gatherGrad);
    expect(wasm.shape).toEqual([V, C]);
    expectClose(wasm.values, cpu.values, 1e-5);
    // d/dT Σ T[id]² = 2 · count(v) · T[v]; unused rows get zero.
    const counts = new Array<number>(V).fill(0);
    for (const id of IDS.flat()) counts[id] = (counts[id] ?? 0) + 1;
    const analytic = tableValues.map((t, i) => 2 * (counts[Math.floor(i / C)] ?? 0) * t);
    expectClose(wasm.values, analytic, 1e-5);
  });

  it('works through tf.variableGrads on a variable embedding table', async () => {
    const run = async (backend: 'cpu' | 'wasm'): Promise<number[]> => {
      await useBackend(backend);
      const table = tf.variable(tf.tensor2d(tableValues, [V, C]), true, `wasm-kernels-test-table-${backend}`);
      const ids = tf.tensor2d(IDS, [2, 4], 'int32');
      const { value, grads } = tf.variableGrads(() => gatherLoss(table, ids), [table]);
      const g = grads[table.name];
      expect(g).toBeDefined();
      const out = Array.from((g as tf.Tensor).dataSync());
      tf.dispose([value, ids, table, ...Object.values(grads)]);
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expectClose(wasm, cpu, 1e-5);
  });

  it('leaks no tensors and no wasm buffers', async () => {
    await useBackend('wasm');
    const table = tf.tensor2d(tableValues, [V, C]);
    const ids = tf.tensor2d(IDS, [2, 4], 'int32');
    const outOfRange = tf.tensor1d([0, 9, -1, 2, 2, 1, 0, 3], 'int32');
    const step = (): void => {
      const g = tf.tidy(() => tf.grad((t: tf.Tensor) => gatherLoss(t, ids))(table));
      g.dispose();
      tf.tidy(() => tf.unsortedSegmentSum(tf.slice(tf.reshape(table, [V * C]), 0, 8), outOfRange, 4)).dispose();
    };
    step(); // warm-up
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([table, ids, outOfRange]);
  });
});
