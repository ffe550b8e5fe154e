/**
 * The GPT, top to bottom as nanoGPT's `model.py`: token + position embeddings, pre-LayerNorm
 * blocks (attention, then a 4x MLP with exact GELU, each added to the residual stream), a final
 * LayerNorm and the language-model head. GPT-2 initialisation; parameter names are nanoGPT's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KVCache, createAttention, type Attention } from '@scratchgpt/attention';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, crossEntropy, gelu, geluTanh, matMul2d } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { resolveConfig, type GPTConfig, type ResolvedGPTConfig } from './config';
import { checkParameterBudget, parameterCount, type LoadLimits } from './load-checks';
import { parseSafetensors, serializeSafetensors } from './safetensors';
import { argmax, checkSampling, sampleLogits, type SamplingOptions } from './sampling';
import { assignStateDict, checkStateDict, toStateDict } from './state-dict';

/** Options of {@link GPT}'s constructor. */
export interface GPTOptions extends LoadLimits {
  /** Seed of the initial weights and dropout masks. Default 0. */
  seed?: number;
}

/** Position-wise feed-forward: C → 4C, GELU (or ReLU), 4C → C, dropout. */
export class MLP extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;
  readonly dropout: Dropout;
  private readonly activation: (x: tf.Tensor) => tf.Tensor;

  constructor(c: ResolvedGPTConfig, rng: SeededRandom) {
    super();
    this.activation = c.activation === 'relu' ? tf.relu : c.activation === 'gelu_tanh' ? geluTanh : (x) => gelu(x, { fused: c.fastPaths });
    this.c_fc = this.addModule('c_fc', new Linear(c.nEmbd, 4 * c.nEmbd, { bias: c.bias, rng, fastPath: c.fastPaths }));
    this.c_proj = this.addModule(
      'c_proj',
      new Linear(4 * c.nEmbd, c.nEmbd, { bias: c.bias, rng, std: residualStd(c), fastPath: c.fastPaths }),
    );
    this.dropout = this.addModule('dropout', new Dropout(c.dropout, { rng }));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => this.dropout.forward(this.c_proj.forward(this.activation(this.c_fc.forward(x))), training)); // (B, T, C)
  }
}

/** One transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`. */
export class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: Module & Attention;
  readonly ln_2: LayerNorm;
  readonly mlp: MLP;

  constructor(c: ResolvedGPTConfig, rng: SeededRandom) {
    super();
    this.ln_1 = this.addModule('ln_1', new LayerNorm(c.nEmbd, { bias: c.bias, fastPath: c.fastPaths }));
    this.attn = this.addModule('attn', createAttention(c.attention, { ...c, rng, projStd: residualStd(c) }));
    this.ln_2 = this.addModule('ln_2', new LayerNorm(c.nEmbd, { bias: c.bias, fastPath: c.fastPaths }));
    this.mlp = this.addModule('mlp', new MLP(c, rng));
  }

  forward(x: tf.Tensor, training: boolean, cache?: KVCache, onWeights?: (w: tf.Tensor) => void): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.attn.forward(this.ln_1.forward(x), { training, cache, onWeights })); // (B, T, C)
      return tf.add(h, this.mlp.forward(this.ln_2.forward(h), training)); // (B, T, C)
    });
  }
}

/** Embeddings, blocks and final LayerNorm: nanoGPT's `transformer` ModuleDict. */
class Transformer extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: Block[];
  readonly ln_f: LayerNorm;

  constructor(c: ResolvedGPTConfig, rng: SeededRandom) {
    super();
    this.wte = this.addModule('wte', new Embedding(c.vocabSize, c.nEmbd, { rng }));
    this.wpe = this.addModule('wpe', new Embedding(c.blockSize, c.nEmbd, { rng }));
    this.drop = this.addModule('drop', new Dropout(c.dropout, { rng }));
    const blocks = Array.from({ length: c.nLayer }, () => new Block(c, rng));
    this.h = this.addModule('h', new ModuleList(blocks)).items;
    this.ln_f = this.addModule('ln_f', new LayerNorm(c.nEmbd, { bias: c.bias, fastPath: c.fastPaths }));
  }
}

/** Options of one forward pass. */
export interface ForwardOptions {
  /** Apply dropout. Default: the model's training mode. */
  training?: boolean;
  /** One KV cache per layer (from `model.createCaches()`); `idx` then holds only new positions. */
  caches?: KVCache[];
  /** Called with each layer's attention weights `(B, nh, T, Tk)` during the pass (read or keep them there). */
  onAttention?: (layer: number, weights: tf.Tensor) => void;
}

/** Options of {@link GPT.generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Tokens to add. */
  maxNewTokens: number;
  /** Seed of the sampling. Default 0. */
  seed?: number;
  /** Called with each new token as it is chosen; a returned promise is awaited (e.g. to let a page repaint). */
  onToken?: (id: number) => unknown;
  /** Stops generation when aborted (the tokens so far are returned). */
  signal?: AbortSignal;
  /** Reuse keys and values of earlier positions. Default `true`. */
  useCache?: boolean;
}

export class GPT extends Module {
  readonly config: ResolvedGPTConfig;
  readonly transformer: Transformer;
  /** The output projection; `null` when tied to `transformer.wte`. */
  readonly lm_head: Linear | null;
  /** The generator of the initial weights, then of every dropout mask: save its state to resume exactly. */
  readonly rng: SeededRandom;

  constructor(config: GPTConfig, options: GPTOptions = {}) {
    super();
    this.config = resolveConfig(config);
    const c = this.config;
    // Counted from the config before anything is allocated: a mistyped width must not take the machine's memory first.
    checkParameterBudget(parameterCount(c), `GPTConfig: a model of ${c.nLayer} layers, ${c.nEmbd} wide and ${c.vocabSize} ids`, options);
    const rng = new SeededRandom(options.seed ?? 0);
    this.rng = rng;
    this.transformer = this.addModule('transformer', new Transformer(c, rng));
    // nanoGPT's head has no bias; the lecture's untied head has one.
    this.lm_head = c.tieWeights
      ? null
      : this.addModule('lm_head', new Linear(c.nEmbd, c.vocabSize, { bias: c.bias, rng, fastPath: c.fastPaths }));
  }

  /**
   * A model with the weights of a safetensors file in nanoGPT's names and layouts (also GPT-2's
   * Conv1D layout). The file is checked against the config before the model is built (see
   * `checkStateDict`): every tensor with exactly its shape, none left over, within the parameter
   * budget (`maxParameters`, default `MAX_PARAMETERS`), every value finite; the error names the tensor.
   */
  static fromSafetensors(bytes: Uint8Array, config: GPTConfig, options: GPTOptions & LoadLimits = {}): GPT {
    const { tensors } = parseSafetensors(bytes);
    const checked = checkStateDict(config, tensors, { maxParameters: options.maxParameters, what: 'the weights file' }); // before allocating the model
    const model = new GPT(config, options);
    try {
      assignStateDict(model, checked);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  /** The weights as a safetensors file in nanoGPT's names and layouts (opens in nanoGPT with `load_state_dict`). */
  async toSafetensors(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    return serializeSafetensors(await toStateDict(this), { format: 'pt', ...metadata });
  }

  /** Token ids `(B, T)` → logits `(B, T, vocabSize)`. */
  forward(idx: tf.Tensor, options: ForwardOptions = {}): tf.Tensor3D {
    return this.logits(idx, options);
  }

  /** `forward`, with a tied head's `wteᵀ` `(C, V)` given by `generate` (made once for all its steps, not once per token). */
  private logits(idx: tf.Tensor, options: ForwardOptions, headT?: tf.Tensor): tf.Tensor3D {
    const training = options.training ?? this.training;
    const { caches } = options;
    const [B, T] = idx.shape as [number, number];
    const offset = caches?.[0]?.length ?? 0;
    if (idx.rank !== 2) throw new Error(`GPT.forward: idx must be (B, T) token ids, got shape [${idx.shape.join(', ')}].`);
    if (offset + T > this.config.blockSize) {
      throw new Error(
        `GPT.forward: ${offset + T} positions exceed blockSize ${this.config.blockSize}; crop the context to the last ${this.config.blockSize} tokens.`,
      );
    }
    if (caches && caches.length !== this.transformer.h.length)
      throw new Error(`GPT.forward: pass one cache per layer (${this.transformer.h.length}).`);
    return tf.tidy(() => {
      const t = this.transformer;
      // 1. Token and position embeddings.
      const pos = tf.range(offset, offset + T, 1, 'int32'); // (T)
      let x = t.drop.forward(tf.add(t.wte.forward(idx), t.wpe.forward(pos)), training); // (B, T, C)
      // 2. The blocks.
      for (const [i, block] of t.h.entries())
        x = block.forward(x, training, caches?.[i], options.onAttention && ((w) => options.onAttention!(i, w)));
      // 3. Final LayerNorm and the head (tied: x · wteᵀ).
      x = t.ln_f.forward(x);
      if (this.lm_head) return this.lm_head.forward(x) as tf.Tensor3D;
      const flat = tf.reshape(x, [B * T, this.config.nEmbd]); // (B·T, C)
      const head = headT
        ? tf.matMul(flat, headT) // (B·T, V)
        : this.config.fastPaths
          ? matMul2d(flat, tf.transpose(t.wte.weight)) // (B·T, V); an explicit transpose keeps to the fast 2-D form
          : tf.matMul(flat, t.wte.weight, false, true); // (B·T, V), the reference
      return tf.reshape(head, [B, T, this.config.vocabSize]) as tf.Tensor3D; // (B, T, V)
    });
  }

  /**
   * The attention weights of one layer for a sequence of ids (its last `blockSize`), in eval mode:
   * `[head][query][key]`, each row a probability distribution over the positions up to the query.
   */
  async attentionWeights(ids: readonly number[], layer: number): Promise<number[][][]> {
    const L = this.transformer.h.length;
    if (!Number.isInteger(layer) || layer < 0 || layer >= L)
      throw new RangeError(`GPT.attentionWeights: layer must be in [0, ${L}), got ${layer}.`);
    if (ids.length === 0) throw new Error('GPT.attentionWeights: pass at least one token id.');
    const context = ids.slice(-this.config.blockSize);
    let kept: tf.Tensor | undefined;
    tf.tidy(() => {
      this.forward(tf.tensor2d(context, [1, context.length], 'int32'), {
        training: false,
        onAttention: (i, w) => {
          if (i === layer) kept = tf.keep(tf.squeeze(w, [0])); // (nh, T, T)
        },
      });
    });
    try {
      return (await kept!.array()) as number[][][];
    } finally {
      kept!.dispose();
    }
  }

  /**
   * Mean cross-entropy of `targets` `(B, T)` under the logits of `idx` `(B, T)`, in nats. Both hold
   * token ids in `[0, vocabSize)`; they are not read back to check that (a read would stall a GPU),
   * so check the data once where it is made (`checkTokenIds` of `@scratchgpt/data`, as `train` and
   * `evaluate` of `@scratchgpt/train` do).
   */
  loss(idx: tf.Tensor, targets: tf.Tensor, options: Pick<ForwardOptions, 'training'> = {}): tf.Scalar {
    if (targets.shape.join() !== idx.shape.join()) {
      throw new Error(`GPT.loss: targets [${targets.shape}] must have the shape of idx [${idx.shape}].`);
    }
    const V = this.config.vocabSize;
    return tf.tidy(() => {
      const logits = this.forward(idx, options);
      const N = targets.size;
      const flatTargets = tf.reshape(tf.cast(targets, 'int32'), [N]); // (B·T)
      const losses = crossEntropy(tf.reshape(logits, [N, V]), flatTargets, { fused: this.config.fastPaths }); // (B·T), nats
      return tf.mean(losses) as tf.Scalar;
    });
  }

  /** One KV cache per layer, for `forward(..., { caches })`. */
  createCaches(): KVCache[] {
    return this.transformer.h.map(() => new KVCache());
  }

  /**
   * Continues `prompt` by `maxNewTokens` tokens and returns prompt + new tokens. Uses the KV cache
   * while the context fits in blockSize; past it, each step re-reads the last blockSize tokens
   * (as the lecture crops), so cached and uncached generation give the same tokens.
   */
  async generate(prompt: readonly number[], options: GenerateOptions): Promise<number[]> {
    const { maxNewTokens, seed = 0, onToken, signal, useCache = true } = options;
    checkSampling(options);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
      throw new RangeError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}.`);
    if (prompt.length === 0) throw new Error('GPT.generate: the prompt needs at least one token (the lecture starts from [0]).');
    const bad = prompt.find((id) => !Number.isInteger(id) || id < 0 || id >= this.config.vocabSize);
    if (bad !== undefined)
      throw new RangeError(`GPT.generate: prompt token ${bad} is outside the vocabulary [0, ${this.config.vocabSize}).`);

    const rng = new SeededRandom(seed);
    const ids = [...prompt];
    const { blockSize } = this.config;
    let caches = useCache ? this.createCaches() : undefined;
    const headT = this.lm_head === null && this.config.fastPaths ? tf.transpose(this.transformer.wte.weight) : undefined; // (C, V)
    try {
      for (let step = 0; step < maxNewTokens && !signal?.aborted; step++) {
        // 1. The positions to feed: all (cropped) the first time or without a cache, else the newest one.
        if (caches && ids.length > blockSize) caches = disposeAll(caches); // past the window: recompute from here on
        const cached = caches?.[0]?.length ?? 0;
        const context = caches && cached > 0 ? ids.slice(cached) : ids.slice(-blockSize);
        const logits = tf.tidy(() => {
          const all = this.logits(tf.tensor2d(context, [1, context.length], 'int32'), { training: false, caches }, headT); // (1, T, V)
          return tf.squeeze(tf.slice(all, [0, context.length - 1, 0], [1, 1, -1])); // (V)
        });
        const row = await logits.data();
        logits.dispose();
        // 2. Pick the next token.
        const next = options.temperature === 0 ? argmax(row) : sampleLogits(row, options, rng);
        ids.push(next);
        await onToken?.(next);
      }
    } finally {
      if (caches) disposeAll(caches);
      headT?.dispose();
    }
    return ids;
  }
}

/** GPT-2's scaled init for residual projections: 0.02 / √(2·nLayer). */
function residualStd(c: ResolvedGPTConfig): number {
  return 0.02 / Math.sqrt(2 * c.nLayer);
}

function disposeAll(caches: KVCache[]): undefined {
  for (const cache of caches) cache.dispose();
  return undefined;
}
