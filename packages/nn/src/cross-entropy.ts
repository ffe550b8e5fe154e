/**
 * `crossEntropy(logits, targets)`: softmax cross-entropy of each row, in nats,
 * `−log softmax(logits[n])[targets[n]]`; the caller reduces it (`GPT.loss` takes the mean). On a
 * backend with the fused kernels (webgpu: `webgpu/cross-entropy.ts`) the forward pass is one
 * dispatch (per row: max, Σ exp, loss) and the backward pass one (dlogits = (softmax − onehot)·dloss,
 * the row's max and log-Σ-exp recomputed), where the composite runs about ten each way and keeps
 * the (N, V) log-probabilities. Elsewhere, or with `fused: false`, it is the composite of tfjs ops
 * below, the reference: exactly what `GPT.loss` computed before, so cpu and wasm losses are unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHasKernel, runFused } from './fused';

export const CrossEntropyKernel = 'ScratchgptCrossEntropy';
/** Backward kernel: inputs `logits` (N, V), `targets` int32 (N), `dy` (N); output dlogits (N, V). */
export const CrossEntropyGradKernel = 'ScratchgptCrossEntropyGrad';

function checkShapes(logits: tf.Tensor, targets: tf.Tensor): void {
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be (N, V), got [${logits.shape}].`);
  if (targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: targets must be (N) = [${logits.shape[0]}], got [${targets.shape}].`);
  }
}

/** The reference: logSoftmax, then log p(target) of each row gathered from the flat array (no (N, V) one-hot). */
export function crossEntropyReference(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor1D {
  checkShapes(logits, targets);
  const [N, V] = logits.shape as [number, number];
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits); // (N, V)
    const flatIndex = tf.add(tf.range(0, N * V, V, 'int32'), tf.cast(targets, 'int32')); // (N): row · V + target
    const picked = tf.gather(tf.reshape(logProbs, [N * V]), flatIndex); // (N)
    return tf.neg(picked) as tf.Tensor1D;
  });
}

/**
 * Per-row losses (N) of `logits` (N, V) against `targets` (N), token ids in `[0, V)` (int32; other
 * dtypes are cast). A target out of range gives NaN on the fused path. `targets` has no gradient.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, options: { fused?: boolean } = {}): tf.Tensor1D {
  if (options.fused === false || !backendHasKernel(CrossEntropyKernel)) return crossEntropyReference(logits, targets);
  checkShapes(logits, targets);
  return tf.tidy(() => runFused<tf.Tensor1D>(CrossEntropyKernel, { logits, targets: tf.cast(targets, 'int32') }));
}

tf.registerGradient({
  kernelName: CrossEntropyKernel,
  inputsToSave: ['logits', 'targets'],
  gradFunc: (dy, saved) => {
    const [logits, targets] = saved as [tf.Tensor2D, tf.Tensor1D];
    return {
      logits: () => runFused(CrossEntropyGradKernel, { logits, targets, dy: dy as tf.Tensor }),
      targets: () => tf.zeros(targets.shape), // token ids: no gradient
    };
  },
});
