/**
 * AdamW's update as three elementwise WebGPU kernels per parameter, registered for 'webgpu' on
 * import. `AdamW.step` (`../adamw.ts`) runs them where the backend has them; elsewhere it runs its
 * reference, 13 tfjs ops (14 where the parameter decays), a dispatch each on webgpu:
 *   m' = β1·m + (1−β1)·g;   v' = β2·v + (1−β2)·g²;   p' = p·decay − (m'/(√v'/√bc2 + eps))·(lr/bc1)
 * each in the reference's order of operations, so both agree to float rounding. The moment kernels
 * first scale the gradient, `g = grad·gradScale` (clipping: a float32 product, as the reference's
 * `tf.mul(grad, gradScale)`, so the same value; 1 when nothing is clipped). Every number that
 * changes between steps or parameters (lr, betas, bias corrections, eps, the decay factor) is a
 * uniform: each kernel compiles once. Tensors are viewed flat (`runElementwise` of
 * `@scratchgpt/nn`): one shader for every rank.
 *
 * The kernel names live here, not in `../adamw.ts`, so that file imports this one and not the
 * other way round (an import cycle would register before the names exist).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { registerWebGPUKernel, runElementwise } from '@scratchgpt/nn';

/** `moment' = beta·moment + oneMinusBeta·g`, `g = grad·gradScale` (inputs `moment`, `grad`). */
export const AdamWFirstMomentKernel = 'ScratchgptAdamWFirstMoment';
/** `moment' = beta·moment + oneMinusBeta·g²`, `g = grad·gradScale` (inputs `moment`, `grad`). */
export const AdamWSecondMomentKernel = 'ScratchgptAdamWSecondMoment';
/** `param' = param·decay − (m/(√v/sqrtBc2 + eps))·stepSize` (inputs `param`, `m`, `v`: the new moments). */
export const AdamWUpdateKernel = 'ScratchgptAdamWUpdate';

export interface AdamWMomentAttrs {
  beta: number;
  /** `1 − beta`, computed in double precision as the reference does. */
  oneMinusBeta: number;
  /** Multiplies the gradient first (clipping). Default 1. */
  gradScale?: number;
}

export interface AdamWUpdateAttrs {
  /** `1 − lr·weightDecay` for a decayed parameter, else 1 (`p·1` is exactly `p`). */
  decay: number;
  /** `√(1 − β2^t)`. */
  sqrtBc2: number;
  eps: number;
  /** `lr / (1 − β1^t)`. */
  stepSize: number;
}

const float = (...data: number[]) => data.map((v) => ({ type: 'float32' as const, data: [v] }));

function moment(square: boolean): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { moment, grad } = inputs as Record<string, TensorInfo>;
    const { beta, oneMinusBeta, gradScale = 1 } = attrs as unknown as AdamWMomentAttrs;
    const g = '(grad[i] * uniforms.gradScale)';
    return runElementwise(
      backend,
      {
        key: `adamw_moment${square ? 2 : 1}`,
        inputs: ['moment', 'grad'],
        uniforms: 'beta : f32, oneMinusBeta : f32, gradScale : f32,',
        expression: `moment[i] * uniforms.beta + ${square ? `(${g} * ${g})` : g} * uniforms.oneMinusBeta`,
      },
      [moment!, grad!],
      float(beta, oneMinusBeta, gradScale),
    );
  };
}

const update: KernelFunc = ({ inputs, backend, attrs }) => {
  const { param, m, v } = inputs as Record<string, TensorInfo>;
  const { decay, sqrtBc2, eps, stepSize } = attrs as unknown as AdamWUpdateAttrs;
  return runElementwise(
    backend,
    {
      key: 'adamw_update',
      inputs: ['param', 'm', 'v'],
      uniforms: 'decay : f32, sqrtBc2 : f32, eps : f32, stepSize : f32,',
      expression: 'param[i] * uniforms.decay - (m[i] / (sqrt(v[i]) / uniforms.sqrtBc2 + uniforms.eps)) * uniforms.stepSize',
    },
    [param!, m!, v!],
    float(decay, sqrtBc2, eps, stepSize),
  );
};

registerWebGPUKernel(AdamWFirstMomentKernel, moment(false));
registerWebGPUKernel(AdamWSecondMomentKernel, moment(true));
registerWebGPUKernel(AdamWUpdateKernel, update);
