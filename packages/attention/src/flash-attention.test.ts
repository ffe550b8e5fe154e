/**
 * FlashAttention's WebGPU kernels against the reference written with tfjs ops (on lavapipe, a
 * software GPU: tiny shapes): values and gradients with and without dropout, the hashed dropout
 * mask (the kernels' equals the reference's, repeats for a seed, differs across seeds, drops about
 * p), `MultiHeadAttention` with the fused path against its unfused path, the dispatches, and the
 * fallback to the reference on a backend without the kernels (cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { SeededRandom } from '@scratchgpt/data';
import { backendHasKernel, gpuWork, randn } from '@scratchgpt/nn';
import { compareFused, maxAbsDiff, useWebGPU } from '@scratchgpt/nn/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalAttention } from './causal-attention';
import { flashAttention, flashAttentionReference, FlashAttentionKernel, flashDropoutMask } from './flash-attention';
import { MultiHeadAttention } from './fused';
import type { AttentionConfig } from './types';
import './webgpu/flash-attention';

/** `(B, T, 3·nHead·hs)` of standard normals. */
const randomQkv = (B: number, T: number, nHead: number, hs: number, seed = 1) =>
  tf.randomNormal([B, T, 3 * nHead * hs], 0, 1, 'float32', seed);

/** The largest |a − b| over plain arrays. */
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe('flashAttention on webgpu (fused kernels) equals the reference', () => {
  beforeAll(useWebGPU);

  it.each([
    // B, T, nHead, hs, dropout
    [2, 5, 2, 4, 0],
    [2, 9, 3, 16, 0],
    [2, 17, 3, 8, 0.3],
    [2, 6, 2, 16, 0.3],
    [1, 70, 2, 4, 0.3], // more rows than a workgroup per (b, h), and not a multiple of 64
  ] as const)('B=%i, T=%i, nHead=%i, hs=%i, dropout %f: values and gradients wrt qkv', async (B, T, nHead, hs, dropout) => {
    expect(backendHasKernel(FlashAttentionKernel)).toBe(true);
    const qkv = randomQkv(B, T, nHead, hs);
    const f = (fused: boolean, x: tf.Tensor) => flashAttention(x, nHead, { dropout, seed: 1234, fused });
    const { value, grads } = await compareFused(f, [qkv]);
    console.log(
      `flashAttention B=${B} T=${T} nHead=${nHead} hs=${hs} p=${dropout}: |Δvalue| ${value.toExponential(2)}, |Δdqkv| ${grads[0]!.toExponential(2)}`,
    );
    expect(value).toBeLessThan(1e-5);
    expect(grads[0]).toBeLessThan(1e-4);
    tf.dispose(qkv);
  });

  /**
   * With q = k = 0 every weight of row i is 1/(i + 1), and with v_j the j-th unit vector the output
   * O_i[j] = Z_ij/(i + 1): the kernel's mask, read back. `(B, nh, T, T)`, lower triangle.
   */
  async function kernelMask(B: number, nHead: number, T: number, p: number, seed: number): Promise<Float32Array> {
    const hs = T;
    const qkv = new Float32Array(B * T * 3 * nHead * hs);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < T; j++) for (let h = 0; h < nHead; h++) qkv[(b * T + j) * 3 * nHead * hs + 2 * nHead * hs + h * hs + j] = 1;
    }
    const out = await tf.tidy(() => flashAttention(tf.tensor3d(qkv, [B, T, 3 * nHead * hs]), nHead, { dropout: p, seed })).data();
    const mask = new Float32Array(B * nHead * T * T);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < nHead; h++) {
        for (let i = 0; i < T; i++) {
          for (let j = 0; j <= i; j++) mask[((b * nHead + h) * T + i) * T + j] = out[(b * T + i) * nHead * hs + h * hs + j]! * (i + 1);
        }
      }
    }
    return mask;
  }
  const lowerTriangle = (mask: Float32Array, T: number) => mask.filter((_, n) => n % T <= Math.floor(n / T) % T);

  it("the kernels' dropout mask is the reference's, repeats for a seed, differs across seeds, drops about p", async () => {
    const [B, nHead, T, p] = [2, 2, 16, 0.3];
    const mask = await kernelMask(B, nHead, T, p, 7);
    const reference = lowerTriangle(flashDropoutMask(B, nHead, T, p, 7), T);
    expect(maxDiff(lowerTriangle(mask, T), reference)).toBeLessThan(1e-5);
    expect(await kernelMask(B, nHead, T, p, 7)).toEqual(mask);
    const other = lowerTriangle(await kernelMask(B, nHead, T, p, 8), T);
    const changed = other.filter((v, n) => (v === 0) !== (reference[n] === 0)).length;
    expect(changed / other.length).toBeGreaterThan(0.2); // about 2p(1 − p) = 0.42 of the pairs
    // Kept weights are scaled by 1/(1 − p); dropped are 0. 544 pairs: p ± 0.08 is 4 σ.
    const kept = reference.filter((v) => v !== 0);
    expect(
      maxDiff(
        kept,
        kept.map(() => 1 / (1 - p)),
      ),
    ).toBeLessThan(1e-5);
    const dropped = 1 - kept.length / reference.length;
    expect(Math.abs(dropped - p)).toBeLessThan(0.08);
    // And over 65 536 pairs of the hash: p ± 0.01 (5 σ).
    const big = flashDropoutMask(4, 4, 64, p, 123);
    expect(Math.abs(big.filter((v) => v === 0).length / big.length - p)).toBeLessThan(0.01);
    // Dropout 0: no mask at all, whatever the seed.
    const none = await kernelMask(1, 1, 8, 0, 5);
    expect(lowerTriangle(none, 8).every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
  });

  const config = (fastPaths: boolean, dropout: number, rng = new SeededRandom(9)): AttentionConfig => ({
    nEmbd: 12,
    nHead: 3,
    blockSize: 16,
    dropout,
    bias: true,
    rng,
    fastPaths,
  });
  const [B, T, C] = [2, 7, 12];
  const x = () => tf.tensor3d(randn(new SeededRandom(5), B * T * C), [B, T, C]);
  const w = () => tf.tensor3d(randn(new SeededRandom(6), B * T * C), [B, T, C]);

  it('MultiHeadAttention: the fused path gives the unfused output and gradients (dropout 0)', async () => {
    const run = async (fastPaths: boolean) => {
      const attn = new MultiHeadAttention(config(fastPaths, 0));
      const params = attn.namedParameters().map(([, p]) => p);
      const [y, dx, ...grads] = tf.tidy(() => {
        const [input, weights] = [x(), w()];
        const loss = (inp: tf.Tensor) => tf.sum(tf.mul(weights, attn.forward(inp, { training: true }))) as tf.Scalar;
        const { grads } = tf.variableGrads(() => loss(input), params);
        return [attn.forward(input), tf.grad(loss)(input), ...params.map((p) => grads[p.name]!)];
      });
      const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
      const out = {
        y: await read(y!),
        dx: await read(dx!),
        grads: await Promise.all(attn.namedParameters().map(async ([name], i) => [name, await read(grads[i]!)] as const)),
      };
      tf.dispose([y!, dx!, ...grads]);
      attn.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    const [fused, reference] = [await run(true), await run(false)];
    const diffs = { y: maxDiff(fused.y, reference.y), dx: maxDiff(fused.dx, reference.dx) };
    expect(diffs.y).toBeLessThan(1e-5);
    expect(diffs.dx).toBeLessThan(1e-4);
    let worst = 0;
    fused.grads.forEach(([name, g], i) => {
      const d = maxDiff(g, reference.grads[i]![1]);
      worst = Math.max(worst, d);
      expect(d, name).toBeLessThan(1e-4);
    });
    console.log(
      `MultiHeadAttention fused vs unfused: |Δy| ${diffs.y.toExponential(2)}, |Δdx| ${diffs.dx.toExponential(2)}, |Δdparams| ${worst.toExponential(2)}`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("MultiHeadAttention with dropout: the fused path draws attnDropout's seed from the module's generator", async () => {
    const p = 0.3;
    const rng = new SeededRandom(9);
    const attn = new MultiHeadAttention(config(true, p, rng));
    const seeds = SeededRandom.fromState(rng.getState()); // the draws still to come: attention's seed, then the residual dropout's
    const input = x();
    const y = attn.forward(input, { training: true });
    const expected = tf.tidy(() => {
      const att = flashAttentionReference(attn.c_attn.forward(input), 3, { dropout: p, seed: seeds.nextUint32() });
      return tf.dropout(attn.c_proj.forward(att), p, undefined, seeds.nextUint32());
    });
    expect(await maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    expect(rng.getState()).toEqual(seeds.getState());
    tf.dispose([input, y, expected]);
    attn.dispose();
  });

  it('is 1 dispatch forward and 2 backward, against many for the reference', async () => {
    const [Bq, Tq, nHead, hs] = [2, 8, 2, 4];
    const qkv = randomQkv(Bq, Tq, nHead, hs);
    const dy = tf.randomNormal([Bq, Tq, nHead * hs], 0, 1, 'float32', 3);
    const count = (fused: boolean) => {
      const f = (t: tf.Tensor) => flashAttention(t, nHead, { dropout: 0.3, seed: 1, fused });
      gpuWork(true);
      tf.dispose(f(qkv));
      const forward = gpuWork(true).dispatches;
      tf.dispose(tf.grad(f)(qkv, dy));
      return { forward, backward: gpuWork(true).dispatches - forward };
    };
    const fused = count(true);
    const reference = count(false);
    // One attention layer (projections and residual dropout included), dropout 0.
    const layer = (fastPaths: boolean) => {
      const attn = new MultiHeadAttention(config(fastPaths, 0));
      const input = x();
      const f = (inp: tf.Tensor) => attn.forward(inp, { training: true });
      const dLayer = tf.randomNormal([B, T, C], 0, 1, 'float32', 4);
      gpuWork(true);
      tf.dispose(f(input));
      const forward = gpuWork(true).dispatches;
      tf.dispose(tf.variableGrads(() => tf.sum(tf.mul(f(input), dLayer)) as tf.Scalar).grads);
      const total = gpuWork(true).dispatches;
      attn.dispose();
      tf.dispose([input, dLayer]);
      return { forward, forwardAndBackward: total };
    };
    const [layerFused, layerReference] = [layer(true), layer(false)];
    console.log('dispatches, op (fused vs reference):', fused, reference);
    console.log('dispatches, MultiHeadAttention (fused vs unfused):', layerFused, layerReference);
    expect(fused).toEqual({ forward: 1, backward: 2 });
    expect(reference.forward).toBeGreaterThan(5);
    expect(reference.backward).toBeGreaterThan(10);
    expect(layerFused.forward).toBeLessThan(layerReference.forward);
    expect(layerFused.forwardAndBackward).toBeLessThan(layerReference.forwardAndBackward);
    tf.dispose([qkv, dy]);
  });
});

describe('flashAttention elsewhere', () => {
  it('is the reference on a backend without the kernels (cpu), and the reference is causalAttention', async () => {
    await tf.setBackend('cpu');
    expect(backendHasKernel(FlashAttentionKernel)).toBe(false);
    const [B, T, nHead, hs] = [2, 6, 2, 4];
    const qkv = randomQkv(B, T, nHead, hs);
    // With dropout: the op is the reference, same mask.
    const [a, b] = [
      flashAttention(qkv, nHead, { dropout: 0.3, seed: 11 }),
      flashAttentionReference(qkv, nHead, { dropout: 0.3, seed: 11 }),
    ];
    expect(await maxAbsDiff(a, b)).toBe(0);
    // Without: the shared definition of causal attention, heads split and merged by hand.
    const expected = tf.tidy(() => {
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, nHead, hs]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, 3, -1).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dropout = { forward: (t: tf.Tensor) => t } as never;
      const att = causalAttention(q, k, v, { dropout, training: false, fastPaths: false });
      return tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B, T, nHead * hs]);
    });
    const y = flashAttention(qkv, nHead);
    expect(await maxAbsDiff(y, expected)).toBeLessThan(1e-6);
    tf.dispose([qkv, a, b, expected, y]);
  });
});
