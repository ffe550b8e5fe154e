/**
 * `layerNorm(x, weight, bias, eps)` over the last axis (biased variance, as PyTorch). On a backend
 * with the fused kernels (webgpu: `webgpu/layer-norm.ts`) the forward pass is one dispatch and the
 * backward pass four (row statistics, dx, dweight, dbias) instead of about twenty; elsewhere, or
 * with `fused: false`, it is the composite of tfjs ops below, the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, runFused } from './fused';

export const LayerNormKernel = 'ScratchgptLayerNorm';
/** Backward kernels: per-row (mean, 1/σ) `[N, 2]`; dx `[N, C]`; dweight and dbias `[C]`. */
export const LayerNormStatsKernel = 'ScratchgptLayerNormStats';
export const LayerNormDxKernel = 'ScratchgptLayerNormDx';
export const LayerNormDwKernel = 'ScratchgptLayerNormDw';
export const LayerNormDbKernel = 'ScratchgptLayerNormDb';

export interface LayerNormAttrs {
  eps: number;
}

/** The reference: `(x − mean) / √(var + eps) · weight + bias`. */
export function layerNormReference(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const scaled = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight);
    return bias ? tf.add(scaled, bias) : scaled;
  });
}

/** Layer normalisation of `x` `[..., C]` with `weight` (and `bias`) `[C]`. */
export function layerNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor | null,
  eps: number,
  options: { fused?: boolean } = {},
): tf.Tensor {
  if (options.fused === false || !backendHasKernel(LayerNormKernel)) return layerNormReference(x, weight, bias, eps);
  return tf.tidy(() => {
    const C = x.shape[x.rank - 1]!;
    const inputs: tf.NamedTensorMap = { x: tf.reshape(x, [-1, C]), weight };
    if (bias) inputs.bias = bias;
    return tf.reshape(runFused(LayerNormKernel, inputs, { eps }), x.shape);
  });
}

tf.registerGradient({
  kernelName: LayerNormKernel,
  inputsToSave: ['x', 'weight'],
  gradFunc: (dy, saved, attrs) => {
    const [x, weight] = saved as [tf.Tensor2D, tf.Tensor1D];
    const { eps } = attrs as unknown as LayerNormAttrs;
    const stats = runFused<tf.Tensor2D>(LayerNormStatsKernel, { x }, { eps }); // [N, 2], once for dx and dweight
    const grads: Record<string, () => tf.Tensor> = {
      x: () => runFused(LayerNormDxKernel, { x, weight, dy: dy as tf.Tensor, stats }),
      weight: () => runFused(LayerNormDwKernel, { x, dy: dy as tf.Tensor, stats }),
      bias: () => runFused(LayerNormDbKernel, { dy: dy as tf.Tensor }),
    };
    return grads;
  },
});
