import type * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@scratchgpt/data';
import type { KVCache } from './kv-cache';

/** What every attention variant is built from. */
export interface AttentionConfig {
  /** Model width C. */
  nEmbd: number;
  /** Number of heads; C must divide by it. */
  nHead: number;
  /** Longest sequence (context length). */
  blockSize: number;
  /** Dropout on attention weights and on the output. Default 0. */
  dropout?: number;
  /** Biases in the projections. Default `true`. */
  bias?: boolean;
  /** Biases in the query/key/value projections. Default: `bias` (the lecture's heads have none). */
  qkvBias?: boolean;
  /** Generator for initial weights and dropout masks. Default `SeededRandom(0)`. */
  rng?: SeededRandom;
  /**
   * Fast paths: projections through `matMul2d` and attention products through `batchMatMul` (plain
   * 2-D products forward and backward on wasm). `false`: tfjs's `matMul` and its gradients, the
   * readable reference (same values to float rounding). Default `true`.
   */
  fastPaths?: boolean;
  /** Std of the output projection's initial weights (GPT-2 scales it by 1/√(2·nLayer)). Default 0.02. */
  projStd?: number;
}

/** Options of one forward pass. */
export interface AttentionForwardOptions {
  /** Apply dropout. Default: the module's training mode. */
  training?: boolean;
  /** Keys and values of earlier positions; `x` then holds only the new positions, and the cache grows by them. */
  cache?: KVCache;
  /**
   * Called during the pass with the attention weights `(B, nh, T, Tk)` (after softmax, before
   * dropout). They are freed when the pass ends: read them (`arraySync`) or `tf.keep` a clone.
   */
  onWeights?: (weights: tf.Tensor) => void;
}

/** Causal self-attention: `[B, T, C]` in, `[B, T, C]` out; position t sees positions ≤ t only. */
export interface Attention {
  readonly kind: string;
  forward(x: tf.Tensor, options?: AttentionForwardOptions): tf.Tensor;
  namedParameters(prefix?: string): Array<[string, tf.Variable]>;
  train(mode?: boolean): unknown;
  dispose(): void;
}
