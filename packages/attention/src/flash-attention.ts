/**
 * `flashAttention(qkv, nHead, { dropout, seed })`: nanoGPT's causal self-attention from `c_attn`'s
 * output `(B, T, 3C)` to the heads merged `(B, T, C)` (what goes into `c_proj`), as one fused op in
 * the style of FlashAttention: no `(T, T)` matrix of scores, weights or dropout mask is ever kept,
 * and the head split/merge transposes disappear (the kernels index q, k, v in place).
 *
 * On a backend with the kernels (webgpu: `webgpu/flash-attention.ts`) the forward pass is one
 * dispatch (online softmax per query row) and the backward pass two: per query row dQ with the
 * row's log-sum-exp L and D = dO·O, then per key row dK and dV, written with dQ into one `(B, T, 3C)`
 * gradient. Both recompute the scores instead of storing them. The dropout mask is a counter-based
 * hash of (seed, b, h, i, j), so the backward pass, and the reference here, draw the very same mask
 * without storing it. Elsewhere, or with `fused: false`, the op is the reference below, written
 * with tfjs ops (and the same hashed mask, built in JS): every backend runs the same function.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, runFused } from '@scratchgpt/nn';
import { causalMask } from './causal-attention';

export const FlashAttentionKernel = 'ScratchgptFlashAttention';
/** Backward, per query row `(b, h, i)`: `[B·nh·T, hs + 2]` = dQ_i (scaled), L_i, D_i. */
export const FlashAttentionRowGradKernel = 'ScratchgptFlashAttentionRowGrad';
/** Backward, per key row `(b, h, j)`: the whole gradient `(B, T, 3C)`: dQ (copied), dK, dV. */
export const FlashAttentionDqkvKernel = 'ScratchgptFlashAttentionDqkv';

/** The kernels' attributes. */
export interface FlashAttentionAttrs {
  nHead: number;
  /** Probability of dropping an attention weight (0: no dropout). */
  dropout: number;
  /** Seed of the dropout mask, a uint32. */
  seed: number;
}

/** Options of {@link flashAttention}. */
export interface FlashAttentionOptions {
  /** Dropout on the attention weights: probability in [0, 1). Default 0 (none: pass 0 at inference). */
  dropout?: number;
  /** Seed of the dropout mask (uint32): the same seed drops the same weights. Default 0. */
  seed?: number;
  /** `false`: the reference (tfjs ops) even where the fused kernels exist. Default `true`. */
  fused?: boolean;
}

/** lowbias32 (C. Wellons): a bijective mix of 32 bits, identical in WGSL (`webgpu/flash-attention.ts`). */
function mix32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The dropout hash: 24 uniform bits for weight (query i, key j) of head `bh = b·nHead + h`. A
 * weight is kept when `bits ≥ dropThreshold(p)`, i.e. when `bits / 2²⁴ ≥ p`.
 */
export function dropoutBits(seed: number, bh: number, i: number, j: number): number {
  return mix32(mix32(mix32(mix32((seed + 0x9e3779b9) >>> 0) ^ bh) ^ i) ^ j) >>> 8;
}

/** The integer threshold of {@link dropoutBits}: `bits / 2²⁴ ≥ p` exactly when `bits ≥ ceil(p·2²⁴)`. */
export function dropThreshold(p: number): number {
  return Math.ceil(p * 16777216);
}

/**
 * The dropout mask the kernels draw, `(B, nHead, T, T)` flattened: 0 (dropped) or 1/(1 − p)
 * (kept), for every pair, above the diagonal too (those weights are 0 anyway).
 */
export function flashDropoutMask(B: number, nHead: number, T: number, p: number, seed: number): Float32Array {
  const mask = new Float32Array(B * nHead * T * T);
  const [threshold, keep] = [dropThreshold(p), 1 / (1 - p)];
  for (let bh = 0; bh < B * nHead; bh++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) mask[(bh * T + i) * T + j] = dropoutBits(seed, bh, i, j) >= threshold ? keep : 0;
    }
  }
  return mask;
}

function dims(qkv: tf.Tensor, nHead: number): { B: number; T: number; C: number; hs: number } {
  if (qkv.rank !== 3) throw new Error(`flashAttention: qkv must be (B, T, 3C), got [${qkv.shape}].`);
  const [B, T, C3] = qkv.shape as [number, number, number];
  if (!Number.isInteger(nHead) || nHead < 1 || C3 % (3 * nHead) !== 0) {
    throw new Error(`flashAttention: the last axis (${C3}) must be 3·nHead·hs with nHead = ${nHead}.`);
  }
  return { B, T, C: C3 / 3, hs: C3 / 3 / nHead };
}

/**
 * The reference, with tfjs ops: split heads, `softmax(q·kᵀ/√hs + causal mask)`, times the hashed
 * dropout mask (`flashDropoutMask`, a `(B, nh, T, T)` tensor: for tests and backends without the
 * kernels), `· v`, heads merged. `qkv` `(B, T, 3C)` → `(B, T, C)`.
 */
export function flashAttentionReference(qkv: tf.Tensor, nHead: number, options: FlashAttentionOptions = {}): tf.Tensor {
  const { dropout = 0, seed = 0 } = options;
  const { B, T, C, hs } = dims(qkv, nHead);
  return tf.tidy(() => {
    // 1. Split q | k | v and the heads: (B, T, C) → (B, nh, T, hs).
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, nHead, hs]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(qkv, 3, -1).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
    // 2. Scaled scores, causal mask, softmax: (B, nh, T, T).
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), causalMask(T, T));
    let weights = tf.softmax(scores);
    // 3. Dropout with the kernels' hashed mask: (B, nh, T, T).
    if (dropout > 0) weights = tf.mul(weights, tf.tensor4d(flashDropoutMask(B, nHead, T, dropout, seed), [B, nHead, T, T]));
    // 4. Weighted sum of values, heads merged: (B, nh, T, hs) → (B, T, C).
    return tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [B, T, C]);
  });
}

/**
 * Causal self-attention of `qkv` `(B, T, 3C)` (q | k | v along the last axis, head h of each at
 * columns `h·hs … h·hs + hs − 1`, as nanoGPT's `c_attn`) with `nHead` heads, scale 1/√hs, dropout
 * on the weights: `(B, T, C)`, heads merged. Fused where the backend has the kernels.
 */
export function flashAttention(qkv: tf.Tensor, nHead: number, options: FlashAttentionOptions = {}): tf.Tensor {
  const { dropout = 0, seed = 0, fused = true } = options;
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`flashAttention: dropout must be in [0, 1), got ${dropout}.`);
  dims(qkv, nHead);
  if (!fused || !backendHasKernel(FlashAttentionKernel)) return flashAttentionReference(qkv, nHead, { dropout, seed });
  const attrs: FlashAttentionAttrs = { nHead, dropout, seed: seed >>> 0 };
  return runFused(FlashAttentionKernel, { qkv }, attrs as unknown as Record<string, unknown>);
}

tf.registerGradient({
  kernelName: FlashAttentionKernel,
  inputsToSave: ['qkv'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [qkv, out] = saved as [tf.Tensor3D, tf.Tensor3D];
    // 1. Per query row: dQ, L (log-sum-exp of the scores), D = dO·O. `[B·nh·T, hs + 2]`.
    const rows = runFused<tf.Tensor2D>(
      FlashAttentionRowGradKernel,
      { qkv, attnOut: out, dy: dy as tf.Tensor },
      attrs as Record<string, unknown>,
    );
    // 2. Per key row: dK, dV, and dQ copied in: `(B, T, 3C)`.
    return { qkv: () => runFused(FlashAttentionDqkvKernel, { qkv, dy: dy as tf.Tensor, rows }, attrs as Record<string, unknown>) };
  },
});
