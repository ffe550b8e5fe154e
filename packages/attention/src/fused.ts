/**
 * `MultiHeadAttention` as nanoGPT's `CausalSelfAttention`: one QKV projection, heads split by
 * reshape/transpose, batched matmuls over all heads at once, one mask, heads merged, output
 * projection. Where the backend has the FlashAttention kernels (webgpu) and neither a KV cache nor
 * `onWeights` asks for keys or weights, steps 1–3 between the projections are one fused op
 * (`flash-attention.ts`): no split, no `(T, T)` matrix, no merge.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, Dropout, Linear, Module } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { causalAttention } from './causal-attention';
import { flashAttention, FlashAttentionKernel } from './flash-attention';
import './webgpu/flash-attention'; // registers the fused kernels for 'webgpu'
import type { Attention, AttentionConfig, AttentionForwardOptions } from './types';

export class MultiHeadAttention extends Module implements Attention {
  readonly kind = 'fused';
  readonly c_attn: Linear;
  readonly c_proj: Linear;
  readonly attnDropout: Dropout;
  readonly residDropout: Dropout;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly fastPaths: boolean;
  /** The generator `attnDropout` draws its seeds from: the fused path draws the same seeds from it. */
  private readonly rng: SeededRandom;

  constructor(config: AttentionConfig) {
    super();
    const rng = config.rng ?? new SeededRandom(0);
    this.rng = rng;
    const bias = config.bias ?? true;
    this.nHead = config.nHead;
    this.nEmbd = config.nEmbd;
    this.fastPaths = config.fastPaths ?? true;
    const fastPath = this.fastPaths;
    this.c_attn = this.addModule('c_attn', new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.qkvBias ?? bias, rng, fastPath }));
    this.c_proj = this.addModule('c_proj', new Linear(config.nEmbd, config.nEmbd, { bias, rng, std: config.projStd, fastPath }));
    this.attnDropout = this.addModule('attn_dropout', new Dropout(config.dropout ?? 0, { rng }));
    this.residDropout = this.addModule('resid_dropout', new Dropout(config.dropout ?? 0, { rng }));
  }

  forward(x: tf.Tensor, options: AttentionForwardOptions = {}): tf.Tensor {
    const training = options.training ?? this.training;
    const { cache } = options;
    return tf.tidy(() => {
      const [B, T, C] = x.shape as [number, number, number];
      if (this.fastPaths && !cache && !options.onWeights && backendHasKernel(FlashAttentionKernel)) {
        // 1–3 fused: (B, T, 3C) → (B, T, C). One seed per pass, drawn exactly when attnDropout would draw one.
        const p = training ? this.attnDropout.p : 0;
        const y = flashAttention(this.c_attn.forward(x), this.nHead, { dropout: p, seed: p > 0 ? this.rng.nextUint32() : 0 });
        return this.residDropout.forward(this.c_proj.forward(y), training);
      }
      const hs = C / this.nHead;
      // 1. One projection to queries, keys and values; split heads: (B, T, C) → (B, nh, T, hs).
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, this.nHead, hs]), [0, 2, 1, 3]);
      const [q, k0, v0] = tf.split(this.c_attn.forward(x), 3, -1).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const { k, v } = cache ? cache.append(0, k0, v0) : { k: k0, v: v0 }; // (B, nh, Tk, hs)
      // 2. Attention of every head at once (batched matmuls, one mask).
      const att = causalAttention(q, k, v, {
        dropout: this.attnDropout,
        training,
        onWeights: options.onWeights,
        fastPaths: this.fastPaths,
      }); // (B, nh, T, hs)
      // 3. Heads merged back: (B, nh, T, hs) → (B, T, C), output projection.
      const y = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B, T, C]);
      cache?.advance(T);
      return this.residDropout.forward(this.c_proj.forward(y), training);
    });
  }
}
