/**
 * The layers a GPT is made of: Linear, Embedding, LayerNorm, Dropout and GELU, initialised as
 * GPT-2 (weights N(0, 0.02), biases 0, LayerNorm 1/0) from a seeded generator. Each forward keeps
 * its intermediates in `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from './layer-norm';
import { matMul2d } from './matmul';
import { Module } from './module';
import { SeededRandom } from '@scratchgpt/data';
import { randn } from './random';

/** Initialisation options shared by the layers. */
export interface InitOptions {
  /** Generator for the initial weights. Default: a new `SeededRandom(0)`. */
  rng?: SeededRandom;
  /** Standard deviation of the initial weights. Default 0.02 (GPT-2). */
  std?: number;
}

/** `y = x W + b`, with `W` stored `[in, out]` (PyTorch stores `[out, in]`). */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: InitOptions & {
      /** Add a bias. Default `true`. */
      bias?: boolean;
      /** Multiply with `matMul2d` (plain 2-D products forward and backward); `false`: tfjs's `matMul` and its gradient, the reference. Default `true`. */
      fastPath?: boolean;
    } = {},
  ) {
    super();
    const { rng = new SeededRandom(0), std = 0.02, bias = true, fastPath = true } = options;
    this.fastPath = fastPath;
    this.weight = this.addParameter('weight', tf.tensor2d(randn(rng, inFeatures * outFeatures, std), [inFeatures, outFeatures]));
    this.bias = bias ? this.addParameter('bias', tf.zeros([outFeatures])) : null;
  }

  readonly fastPath: boolean;

  /** `x`: `[..., in]` → `[..., out]`, as one plain 2-D product, forward and backward (see `matMul2d`). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D; // (N, in)
      let y: tf.Tensor = this.fastPath ? matMul2d(flat, this.weight) : tf.matMul(flat, this.weight as tf.Tensor2D); // (N, out)
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}

/** A lookup table: ids `[...]` → vectors `[..., dim]`. */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: InitOptions = {},
  ) {
    super();
    const { rng = new SeededRandom(0), std = 0.02 } = options;
    this.weight = this.addParameter('weight', tf.tensor2d(randn(rng, numEmbeddings * embeddingDim, std), [numEmbeddings, embeddingDim]));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.gather(this.weight, tf.cast(ids, 'int32')));
  }
}

/** Layer normalisation over the last axis, biased variance, eps 1e-5 (as PyTorch). */
export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly dim: number,
    options: {
      /** Add a bias. Default `true`. */
      bias?: boolean;
      /** Added to the variance. Default 1e-5. */
      eps?: number;
      /** Use the backend's fused kernel where it has one (webgpu); `false`: the composite reference. Default `true`. */
      fastPath?: boolean;
    } = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.fastPath = options.fastPath ?? true;
    this.weight = this.addParameter('weight', tf.ones([dim]));
    this.bias = (options.bias ?? true) ? this.addParameter('bias', tf.zeros([dim])) : null;
  }

  readonly eps: number;
  readonly fastPath: boolean;

  forward(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps, { fused: this.fastPath });
  }
}

/** Zeroes elements with probability `p` in training (scaling the rest by 1/(1-p)); identity in eval. */
export class Dropout extends Module {
  private readonly rng: SeededRandom;

  constructor(
    readonly p: number,
    options: {
      /** Generator of the masks' seeds. Default: a new `SeededRandom(0)`. */
      rng?: SeededRandom;
    } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}.`);
    this.rng = options.rng ?? new SeededRandom(0);
  }

  forward(x: tf.Tensor, training = this.training): tf.Tensor {
    if (!training || this.p === 0) return x;
    return tf.dropout(x, this.p, undefined, this.rng.nextUint32());
  }
}

/** GELU moved to `./gelu.ts` (a fused op); re-exported for the imports of this file. */
export { gelu } from './gelu';
