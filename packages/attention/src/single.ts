/**
 * One causal self-attention head: the lecture's `Head`, Raschka's `CausalAttention`.
 * As an attention kind (`single`) it is one head of size C with no output projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Linear, Module } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { causalAttention } from './causal-attention';
import type { KVCache } from './kv-cache';
import type { Attention, AttentionConfig, AttentionForwardOptions } from './types';

/** Key, query and value projections C → headSize, scaled scores, causal mask, softmax, dropout, weighted sum. */
export class Head extends Module {
  readonly key: Linear;
  readonly query: Linear;
  readonly value: Linear;
  readonly attnDropout: Dropout;
  readonly fastPaths: boolean;

  constructor(
    nEmbd: number,
    readonly headSize: number,
    config: Pick<AttentionConfig, 'bias' | 'qkvBias' | 'dropout' | 'rng' | 'fastPaths'>,
  ) {
    super();
    const rng = config.rng ?? new SeededRandom(0);
    const bias = config.qkvBias ?? config.bias ?? true;
    this.fastPaths = config.fastPaths ?? true;
    const fastPath = this.fastPaths;
    this.key = this.addModule('key', new Linear(nEmbd, headSize, { bias, rng, fastPath }));
    this.query = this.addModule('query', new Linear(nEmbd, headSize, { bias, rng, fastPath }));
    this.value = this.addModule('value', new Linear(nEmbd, headSize, { bias, rng, fastPath }));
    this.attnDropout = this.addModule('attn_dropout', new Dropout(config.dropout ?? 0, { rng }));
  }

  /** `x`: `(B, T, C)` → `(B, T, headSize)`; with a cache, keys and values of `slot` are prepended. `onWeights` sees `(B, T, Tk)`. */
  forward(x: tf.Tensor, training = this.training, cache?: KVCache, slot = 0, onWeights?: (w: tf.Tensor) => void): tf.Tensor {
    return tf.tidy(() => {
      const q = this.query.forward(x); // (B, T, hs)
      let k = this.key.forward(x); // (B, T, hs)
      let v = this.value.forward(x); // (B, T, hs)
      if (cache) ({ k, v } = cache.append(slot, k, v)); // (B, Tk, hs)
      return causalAttention(q, k, v, { dropout: this.attnDropout, training, onWeights, fastPaths: this.fastPaths }); // (B, T, hs)
    });
  }
}

/** The `single` kind: one head of size C, then output dropout. */
export class SingleHeadAttention extends Module implements Attention {
  readonly kind = 'single';
  readonly head: Head;
  readonly residDropout: Dropout;

  constructor(config: AttentionConfig) {
    super();
    const rng = config.rng ?? new SeededRandom(0);
    this.head = this.addModule('head', new Head(config.nEmbd, config.nEmbd, { ...config, rng }));
    this.residDropout = this.addModule('resid_dropout', new Dropout(config.dropout ?? 0, { rng }));
  }

  forward(x: tf.Tensor, options: AttentionForwardOptions = {}): tf.Tensor {
    const training = options.training ?? this.training;
    return tf.tidy(() => {
      const onWeights = options.onWeights && ((w: tf.Tensor) => options.onWeights!(tf.expandDims(w, 1))); // (B, 1, T, Tk)
      const y = this.residDropout.forward(this.head.forward(x, training, options.cache, 0, onWeights), training);
      options.cache?.advance(x.shape[1]!);
      return y;
    });
  }
}
