/**
 * The training loop runs unchanged on webgpu (lavapipe in CI, through `@scratchgpt/nn`'s
 * `startWebGPU`) with the fused kernels of every package, and gives wasm's numbers: 20 steps of a
 * tiny model (losses to 1e-3), and greedy generation (the same tokens).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { gpuWork } from '@scratchgpt/nn';
import { useWebGPU } from '@scratchgpt/nn/testing';
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from './config';
import { train } from './train';

const config: GPTConfig = { vocabSize: 17, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, bias: false };
const corpus = Int32Array.from({ length: 1200 }, (_, i) => (i * 7 + (i >> 3) + (i % 5)) % 17);
const data = { train: corpus.subarray(0, 1000), val: corpus.subarray(1000) };
const recipe: TrainConfig = { batchSize: 4, maxIters: 20, evalInterval: 10, evalIters: 2, lr: 1e-2, warmupIters: 4, sampleTokens: 0 };

async function run(backend: 'wasm' | 'webgpu') {
  if (backend === 'webgpu') await useWebGPU();
  else expect(await tf.setBackend('wasm')).toBe(true);
  const model = new GPT(config, { seed: 3 });
  gpuWork(true);
  const result = await train(model, { data, config: recipe });
  const work = gpuWork(true);
  const text = await model.generate([1, 2, 3], { maxNewTokens: 12, temperature: 0 });
  model.dispose();
  return { metrics: result.metrics, text, work };
}

describe('training on webgpu', () => {
  it('20 steps give the losses of wasm (1e-3), and greedy generation the same tokens', async () => {
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    expect(gpu.metrics.map((m) => m.step)).toEqual(wasm.metrics.map((m) => m.step));
    for (const [i, m] of wasm.metrics.entries()) {
      expect(Math.abs(gpu.metrics[i]!.loss - m.loss)).toBeLessThan(1e-3);
      if (m.valLoss !== undefined) expect(Math.abs(gpu.metrics[i]!.valLoss! - m.valLoss)).toBeLessThan(1e-3);
    }
    expect(wasm.metrics.at(-1)!.loss).toBeLessThan(wasm.metrics[0]!.loss - 0.3); // it learned something
    expect(gpu.text).toEqual(wasm.text);
    expect(wasm.work.dispatches).toBe(0);
    expect(gpu.work.dispatches).toBeGreaterThan(0);
  });
});
