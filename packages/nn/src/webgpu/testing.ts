/**
 * For tests of WebGPU kernels, in any package: starts the webgpu backend (lavapipe in CI, which
 * `scripts/vulkan.sh` installs) and compares a fused op with its reference, values and gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { startWebGPU } from '../index';

/** Starts webgpu (a software adapter is fine for tests); throws with the reason when it cannot. */
export async function useWebGPU(): Promise<void> {
  await startWebGPU({ allowSoftware: true });
}

/** Largest absolute difference between two tensors of the same shape (read asynchronously). */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] vs [${b.shape}]`);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs((x[i] as number) - (y[i] as number)));
  return Number.isNaN(max) ? Number.POSITIVE_INFINITY : max;
}

/**
 * Values and gradients (of Σ output·weights, random weights) of `f` on its fused path and on its
 * reference, for the given inputs: the largest absolute difference of each.
 */
export async function compareFused(
  f: (fused: boolean, ...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): Promise<{ value: number; grads: number[] }> {
  const probe = tf.tidy(() => tf.randomNormal(f(false, ...inputs).shape, 0, 1, 'float32', 7));
  const run = (fused: boolean) =>
    tf.tidy(() => {
      const value = f(fused, ...inputs);
      const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(fused, ...xs), probe)))(inputs);
      return [value, ...grads];
    });
  const [fusedOut, refOut] = [run(true), run(false)];
  const diffs = await Promise.all(fusedOut.map((t, i) => maxAbsDiff(t, refOut[i]!)));
  tf.dispose([...fusedOut, ...refOut, probe]);
  return { value: diffs[0]!, grads: diffs.slice(1) };
}
