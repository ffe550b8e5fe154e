/**
 * Softmax cross-entropy's WebGPU kernels (the op and its gradient config are in
 * `../cross-entropy.ts`). Each row of logits (N, V) is one workgroup of 256 lanes: the row's max,
 * then Σ exp(x − max), each reduced through workgroup memory.
 * Forward: 1 dispatch, loss (N) = log Σ exp(x − max) − (x[target] − max).
 * Backward: 1 dispatch, dlogits (N, V) = (softmax − onehot(target))·dloss[row].
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { CrossEntropyGradKernel, CrossEntropyKernel } from '../cross-entropy';
import { registerWebGPUKernel, runKernel, workgroupReduceWgsl } from './program';

const WG = 256;

/** Workgroup reductions, and a row's max and Σ exp. */
const REDUCE = /* wgsl */ `${workgroupReduceWgsl(WG)}
/** The max and Σ exp(x − max) of the row starting at base. */
fn rowMaxSum(base : i32, V : i32) -> vec2<f32> {
  var m = -3.402823e38;
  for (var v = i32(localId.x); v < V; v = v + ${WG}) { m = max(m, logits[base + v]); }
  let rowMax = workgroupMax(m);
  var s = 0.0;
  for (var v = i32(localId.x); v < V; v = v + ${WG}) { s = s + exp(logits[base + v] - rowMax); }
  return vec2<f32>(rowMax, workgroupSum(s));
}
`;

/** The workgroup's row (rows past N compute row N − 1 and must not write) and its statistics. */
const ROW = /* wgsl */ `
  let row = index / ${WG};
  let N = uniforms.N;
  let V = uniforms.V;
  let r = min(row, N - 1);
  let base = r * V;
  let stats = rowMaxSum(base, V);`;

const UNIFORMS = 'N : i32, V : i32,';
const rows = (N: number) => ({ kind: 'rows' as const, groups: N, workgroupSize: WG });

const forward: KernelFunc = ({ inputs, backend }) => {
  const { logits, targets } = inputs as Record<string, TensorInfo>;
  const [N, V] = logits!.shape as [number, number];
  const code = /* wgsl */ `${REDUCE}
fn main(index : i32) {${ROW}
  if (row < N && localId.x == 0u) {
    let t = targets[r];
    if (t >= 0 && t < V) {
      result[r] = -((logits[base + t] - stats.x) - log(stats.y));
    } else {
      result[r] = uniforms.nan; // a target out of range (WGSL has no NaN constant)
    }
  }
}`;
  return runKernel(
    backend,
    {
      key: 'cross_entropy',
      inputs: ['logits', 'targets'],
      outputShape: [N],
      layout: rows(N),
      uniforms: `${UNIFORMS} nan : f32,`,
      code,
    },
    [logits!, targets!],
    [
      { type: 'int32', data: [N] },
      { type: 'int32', data: [V] },
      { type: 'float32', data: [Number.NaN] },
    ],
  );
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { logits, targets, dy } = inputs as Record<string, TensorInfo>;
  const [N, V] = logits!.shape as [number, number];
  const code = /* wgsl */ `${REDUCE}
fn main(index : i32) {${ROW}
  if (row < N) {
    let lse = stats.x + log(stats.y);
    let t = targets[r];
    let g = dy[r];
    for (var v = i32(localId.x); v < V; v = v + ${WG}) {
      let p = exp(logits[base + v] - lse);
      result[base + v] = (p - select(0.0, 1.0, v == t)) * g;
    }
  }
}`;
  return runKernel(
    backend,
    {
      key: 'cross_entropy_grad',
      inputs: ['logits', 'targets', 'dy'],
      outputShape: [N, V],
      layout: rows(N),
      uniforms: UNIFORMS,
      code,
    },
    [logits!, targets!, dy!],
    [
      { type: 'int32', data: [N] },
      { type: 'int32', data: [V] },
    ],
  );
};

registerWebGPUKernel(CrossEntropyKernel, forward);
registerWebGPUKernel(CrossEntropyGradKernel, backward);
