import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { randn } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAttention } from './registry';
import type { AttentionConfig } from './types';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

const [B, T, C] = [2, 32, 96]; // slices of 32 × 32 × 32 and more: big enough for batchMatMul's per-slice path
const x = () => tf.tensor3d(randn(new SeededRandom(5), B * T * C), [B, T, C]);
const w = () => tf.tensor3d(randn(new SeededRandom(6), B * T * C), [B, T, C]); // weights of the scalar loss

/** Output and the gradients of every parameter and of the input, for one kind with fast paths on or off. */
function run(kind: string, fastPaths: boolean, dropout: number) {
  const config: AttentionConfig = {
    nEmbd: C,
    nHead: kind === 'single' ? 1 : 3,
    blockSize: 32,
    dropout,
    bias: true,
    rng: new SeededRandom(9),
    fastPaths,
  };
  const attn = createAttention(kind, config);
  const params = attn.namedParameters().map(([, p]) => p);
  const out = tf.tidy(() => {
    const [input, weights] = [x(), w()];
    const loss = (inp: tf.Tensor) => tf.sum(tf.mul(weights, attn.forward(inp, { training: true }))) as tf.Scalar;
    const { grads } = tf.variableGrads(() => loss(input), params);
    return {
      y: attn.forward(input, { training: false }).dataSync(),
      grads: attn.namedParameters().map(([name, p]) => [name, grads[p.name]!.dataSync()] as const),
      dx: tf.grad(loss)(input).dataSync(),
    };
  });
  attn.dispose();
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe('fast paths (wasm)', () => {
  for (const kind of ['single', 'wrapper', 'fused']) {
    for (const dropout of [0, 0.2]) {
      it(`${kind}, dropout ${dropout}: fast path equals the reference in output, every parameter's gradient and the input's (1e-5)`, () => {
        const before = tf.memory().numTensors;
        const fast = run(kind, true, dropout);
        const reference = run(kind, false, dropout);
        expect(maxDiff(fast.y, reference.y)).toBeLessThan(1e-5);
        expect(maxDiff(fast.dx, reference.dx)).toBeLessThan(1e-5);
        expect(fast.grads.map(([n]) => n)).toEqual(reference.grads.map(([n]) => n));
        fast.grads.forEach(([name, g], i) => {
          expect(maxDiff(g, reference.grads[i]![1]), name).toBeLessThan(1e-5);
        });
        expect(Math.max(...Array.from(fast.dx, Math.abs))).toBeGreaterThan(1e-3); // gradients flow
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
