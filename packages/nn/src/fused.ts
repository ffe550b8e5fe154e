/**
 * Fused ops, the tfjs way: an op names a kernel; each backend may register that kernel (ours are
 * WGSL in `webgpu/`, registered for 'webgpu' on import); a gradient config names the backward
 * kernels. Where the active backend has no such kernel, or `fused: false` asks for the reference,
 * the op is the composite of tfjs ops it replaces, so every backend runs the same model.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Whether the active backend has the kernel `name`. */
export function backendHasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs kernel `name` through tfjs's engine (so it is recorded for gradients). */
export function runFused<T extends tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown> = {}): T {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as T;
}
