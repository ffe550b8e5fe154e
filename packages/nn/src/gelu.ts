/**
 * `gelu(x)`, exact erf form as PyTorch `nn.GELU()`: `0.5·x·(1 + erf(x/√2))`, elementwise, any shape.
 * On a backend with the fused kernels (webgpu: `webgpu/gelu.ts`) the forward pass is one dispatch
 * and the backward pass one (`dx = dy·(Φ(x) + x·φ(x))`), instead of five and about ten for the
 * composite; elsewhere, or with `fused: false`, it is the composite of tfjs ops below, the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, runFused } from './fused';

export const GeluKernel = 'ScratchgptGelu';
/** Backward kernel: inputs `x` and `dy` (shape of x), output dx (shape of x). */
export const GeluGradKernel = 'ScratchgptGeluGrad';

/** The reference: `0.5·x·(1 + erf(x/√2))`, as tfjs ops (autodiff gives its gradient). */
export function geluReference(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** GELU in the exact erf form (PyTorch `nn.GELU()`) of `x` (any shape; same shape out). */
export function gelu(x: tf.Tensor, options: { fused?: boolean } = {}): tf.Tensor {
  if (options.fused === false || !backendHasKernel(GeluKernel)) return geluReference(x);
  return runFused(GeluKernel, { x });
}

tf.registerGradient({
  kernelName: GeluKernel,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => runFused(GeluGradKernel, { x, dy: dy as tf.Tensor }) };
  },
});
