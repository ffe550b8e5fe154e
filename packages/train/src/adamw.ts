/**
 * AdamW (Loshchilov & Hutter), as PyTorch's `torch.optim.AdamW`: Adam moments with bias
 * correction, and weight decay applied to the weights directly (`p ← p·(1 − lr·wd)`), not through
 * the gradient. tfjs has Adam but no AdamW. Which parameters decay is the caller's choice; see
 * {@link decayedParameters} for nanoGPT's rule.
 *
 * On a backend with the fused kernels (webgpu: `webgpu/adamw.ts`) a parameter's update is three
 * dispatches (m', v', p') instead of 13 tfjs ops (14 where it decays); elsewhere, or with `fused: false`, it
 * is the composite of tfjs ops in `step`, the reference. Both compute the same expressions in the
 * same order; the state (and so the checkpoints) is the same. A `gradScale` (clipping) costs the
 * fused kernels nothing (a uniform) and the reference one `tf.mul` per gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, Linear, runFused, type Module } from '@scratchgpt/nn';
import {
  AdamWFirstMomentKernel,
  AdamWSecondMomentKernel,
  AdamWUpdateKernel,
  type AdamWMomentAttrs,
  type AdamWUpdateAttrs,
} from './webgpu/adamw';

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Learning rate; a schedule can pass another one to each `step`. Default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moments. Default [0.9, 0.95] (nanoGPT). */
  betas?: [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay. Default 0.1 (nanoGPT). */
  weightDecay?: number;
}

/** How the update runs, which changes no number and so is not an {@link AdamWOptions} (checkpoints save those). */
export interface AdamWRunOptions {
  /** Use the fused update kernels where the backend has them (webgpu). Default true; false: always the reference. */
  fused?: boolean;
}

/** The optimizer's state, as plain arrays, for checkpoints. */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

interface Slot {
  param: tf.Variable;
  decay: boolean;
  m: tf.Variable;
  v: tf.Variable;
}

export class AdamW {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly fused: boolean;
  /** Updates done so far (bias correction uses it). */
  stepCount = 0;
  private readonly slots = new Map<string, Slot>();

  /** `params`: named parameters (e.g. `model.namedParameters()`); `decay`: the names that decay. */
  constructor(params: Array<[string, tf.Variable]>, decay: ReadonlySet<string>, options: AdamWOptions & AdamWRunOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.95];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.1;
    this.fused = options.fused ?? true;
    for (const [b, name] of [
      [this.betas[0], 'beta1'],
      [this.betas[1], 'beta2'],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`AdamW: ${name} must be in [0, 1), got ${b}.`);
    }
    for (const name of decay)
      if (!params.some(([n]) => n === name)) throw new Error(`AdamW: decay names "${name}", which is not a parameter.`);
    for (const [name, param] of params) {
      const zeros = () => tf.tidy(() => tf.variable(tf.zerosLike(param), false)); // the zeros tensor is freed, the variable kept
      this.slots.set(name, { param, decay: decay.has(name), m: zeros(), v: zeros() });
    }
  }

  /**
   * One update from gradients keyed by parameter name (missing ones are skipped, as PyTorch does
   * for `None`), each multiplied by `gradScale` first (clipping: the same values as passing
   * `tf.mul(g, gradScale)`).
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr = this.lr, gradScale = 1): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.stepCount;
    const bc2 = 1 - b2 ** this.stepCount;
    const fused = this.fused && backendHasKernel(AdamWUpdateKernel); // the three are registered together
    tf.tidy(() => {
      for (const [name, { param, decay, m, v }] of this.slots) {
        const unscaled = grads.get(name);
        if (unscaled === undefined) continue;
        const decays = decay && this.weightDecay > 0;
        if (fused) {
          tf.util.assertShapesMatch(unscaled.shape, param.shape, `AdamW: the gradient of "${name}"`);
          const moment = (beta: number) => ({ beta, oneMinusBeta: 1 - beta, gradScale }) satisfies AdamWMomentAttrs;
          m.assign(runFused(AdamWFirstMomentKernel, { moment: m, grad: unscaled }, moment(b1)));
          v.assign(runFused(AdamWSecondMomentKernel, { moment: v, grad: unscaled }, moment(b2)));
          const attrs = { decay: decays ? 1 - lr * this.weightDecay : 1, sqrtBc2: Math.sqrt(bc2), eps: this.eps, stepSize: lr / bc1 };
          param.assign(runFused(AdamWUpdateKernel, { param, m, v }, attrs satisfies AdamWUpdateAttrs));
          continue;
        }
        // The reference, the same expressions as the kernels.
        const g = gradScale === 1 ? unscaled : tf.mul(unscaled, gradScale);
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
        const decayed = decays ? tf.mul(param, 1 - lr * this.weightDecay) : param;
        param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  /** The moments, read asynchronously (copies). */
  async getState(): Promise<AdamWState> {
    const state: AdamWState = { step: this.stepCount, m: {}, v: {} };
    for (const [name, { m, v }] of this.slots) {
      state.m[name] = Float32Array.from(await m.data());
      state.v[name] = Float32Array.from(await v.data());
    }
    return state;
  }

  setState(state: AdamWState): void {
    for (const [name, { m, v }] of this.slots) {
      const [ms, vs] = [state.m[name], state.v[name]];
      if (ms === undefined || vs === undefined || ms.length !== m.size || vs.length !== v.size) {
        throw new Error(`AdamW.setState: the saved state has no moments of size ${m.size} for "${name}"; it belongs to another model.`);
      }
      tf.tidy(() => {
        m.assign(tf.tensor(ms, m.shape));
        v.assign(tf.tensor(vs, v.shape));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const { m, v } of this.slots.values()) tf.dispose([m, v]);
    this.slots.clear();
  }
}

/**
 * The parameters that decay: weights of Linear layers. Biases, LayerNorm weights and embeddings
 * do not (the minGPT rule; nanoGPT today also decays embeddings, which here are tied to lm_head).
 */
export function decayedParameters(model: Module): Set<string> {
  return new Set(
    model
      .namedModules()
      .filter(([, m]) => m instanceof Linear)
      .map(([name]) => `${name}.weight`),
  );
}
