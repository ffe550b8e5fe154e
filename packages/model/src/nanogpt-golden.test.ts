import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import golden from '../fixtures/tiny-logits.json';
import { GPT } from './gpt';

// Weights and logits made by fixtures/make_nanogpt_golden.py: nanoGPT's forward pass in NumPy.
const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures', name)));

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe("nanoGPT's own numbers", () => {
  it.each(['tiny-nanogpt.safetensors', 'tiny-gpt2.safetensors'])('%s gives the logits of nanoGPT’s forward pass (1e-4)', (file) => {
    const model = GPT.fromSafetensors(fixture(file), golden.config);
    const logits = model.forward(tf.tensor2d(golden.idx, [2, 8], 'int32'), { training: false });
    expect(tf.max(tf.abs(tf.sub(logits, tf.tensor3d(golden.logits)))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it('writes back the same nanoGPT file', async () => {
    const bytes = fixture('tiny-nanogpt.safetensors');
    const again = GPT.fromSafetensors(await GPT.fromSafetensors(bytes, golden.config).toSafetensors(), golden.config);
    const logits = again.forward(tf.tensor2d(golden.idx, [2, 8], 'int32'), { training: false });
    expect(tf.max(tf.abs(tf.sub(logits, tf.tensor3d(golden.logits)))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it.each(['wrapper', 'fused'])('loads into %s attention with the same logits', (attention) => {
    const model = GPT.fromSafetensors(fixture('tiny-nanogpt.safetensors'), { ...golden.config, attention });
    const logits = model.forward(tf.tensor2d(golden.idx, [2, 8], 'int32'), { training: false });
    expect(tf.max(tf.abs(tf.sub(logits, tf.tensor3d(golden.logits)))).dataSync()[0]).toBeLessThan(1e-4);
  });
});
