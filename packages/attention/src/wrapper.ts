/**
 * `MultiHeadAttentionWrapper` (Raschka): nHead independent heads of size C/nHead, each with its
 * own projections and matmuls, concatenated, then an output projection. Readable, and slower
 * than `fused` because it does nHead small products instead of batched ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Linear, Module, ModuleList } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { Head } from './single';
import type { Attention, AttentionConfig, AttentionForwardOptions } from './types';

export class MultiHeadAttentionWrapper extends Module implements Attention {
  readonly kind = 'wrapper';
  readonly heads: Head[];
  readonly c_proj: Linear;
  readonly residDropout: Dropout;

  constructor(config: AttentionConfig) {
    super();
    const rng = config.rng ?? new SeededRandom(0);
    const headSize = config.nEmbd / config.nHead;
    const heads = Array.from({ length: config.nHead }, () => new Head(config.nEmbd, headSize, { ...config, rng }));
    this.heads = this.addModule('heads', new ModuleList(heads)).items;
    this.c_proj = this.addModule(
      'c_proj',
      new Linear(config.nEmbd, config.nEmbd, { bias: config.bias ?? true, rng, std: config.projStd, fastPath: config.fastPaths ?? true }),
    );
    this.residDropout = this.addModule('resid_dropout', new Dropout(config.dropout ?? 0, { rng }));
  }

  forward(x: tf.Tensor, options: AttentionForwardOptions = {}): tf.Tensor {
    const training = options.training ?? this.training;
    return tf.tidy(() => {
      const weights: tf.Tensor[] = [];
      const keep = options.onWeights && ((w: tf.Tensor) => weights.push(tf.keep(tf.clone(w)))); // outlive the head's tidy
      const outs = this.heads.map((head, i) => head.forward(x, training, options.cache, i, keep)); // nHead × (B, T, hs)
      if (options.onWeights) {
        options.onWeights(tf.stack(weights, 1)); // (B, nh, T, Tk)
        tf.dispose(weights);
      }
      const y = this.residDropout.forward(this.c_proj.forward(tf.concat(outs, -1)), training); // (B, T, C)
      options.cache?.advance(x.shape[1]!);
      return y;
    });
  }
}
