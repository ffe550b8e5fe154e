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

/**
 * GELU in the tanh approximation GPT-2 was trained with (Hugging Face's `gelu_new`, PyTorch's
 * `nn.GELU(approximate='tanh')`): `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, as tfjs ops
 * (autodiff gives its gradient). It differs from the exact form by up to about 5e-4, enough to
 * move GPT-2's logits by 1e-3 and its greedy text, so GPT-2's weights are run with this one.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
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
