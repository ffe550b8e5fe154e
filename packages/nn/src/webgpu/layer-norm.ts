/**
 * LayerNorm's WebGPU kernels (the op and its gradient config are in `../layer-norm.ts`). Each row
 * of `[N, C]` is one workgroup of 64 lanes that sum through workgroup memory; the column sums of
 * dweight and dbias are one workgroup per column.
 * Forward: 1 dispatch. Backward: 4 (stats, dx, dweight, dbias).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import {
  LayerNormDbKernel,
  LayerNormDwKernel,
  LayerNormDxKernel,
  LayerNormKernel,
  LayerNormStatsKernel,
  type LayerNormAttrs,
} from '../layer-norm';
import { registerWebGPUKernel, runKernel, workgroupReduceWgsl } from './program';

const WG = 64;

const REDUCE = workgroupReduceWgsl(WG);

/** Row statistics of `x` at row `base / C`: mean and 1/√(var + eps). */
const ROW_STATS = /* wgsl */ `
fn rowStats(base : i32, C : i32, eps : f32) -> vec2<f32> {
  var s = 0.0;
  for (var c = i32(localId.x); c < C; c = c + ${WG}) { s = s + x[base + c]; }
  let mean = workgroupSum(s) / f32(C);
  var q = 0.0;
  for (var c = i32(localId.x); c < C; c = c + ${WG}) { let d = x[base + c] - mean; q = q + d * d; }
  return vec2<f32>(mean, inverseSqrt(workgroupSum(q) / f32(C) + eps));
}
`;

const rows = (groups: number) => ({ kind: 'rows' as const, groups, workgroupSize: WG });
const dims = (t: TensorInfo) => t.shape as [number, number];
const int = (...data: number[]) => ({ type: 'int32' as const, data });
const float = (...data: number[]) => ({ type: 'float32' as const, data });

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, weight, bias } = inputs as Record<string, TensorInfo>;
  const [N, C] = dims(x!);
  const { eps } = attrs as unknown as LayerNormAttrs;
  const hasBias = bias !== undefined;
  const code = /* wgsl */ `${REDUCE}${ROW_STATS}
fn main(index : i32) {
  let row = index / ${WG};
  let N = uniforms.N;
  let C = uniforms.C;
  let base = min(row, N - 1) * C;
  let stats = rowStats(base, C, uniforms.eps);
  if (row < N) {
    for (var c = i32(localId.x); c < C; c = c + ${WG}) {
      result[base + c] = (x[base + c] - stats.x) * stats.y * weight[c]${hasBias ? ' + bias[c]' : ''};
    }
  }
}`;
  return runKernel(
    backend,
    {
      key: `layernorm_${hasBias}`,
      inputs: hasBias ? ['x', 'weight', 'bias'] : ['x', 'weight'],
      outputShape: [N, C],
      layout: rows(N),
      uniforms: 'N : i32, C : i32, eps : f32,',
      code,
    },
    hasBias ? [x!, weight!, bias] : [x!, weight!],
    [int(N), int(C), float(eps)],
  );
};

const stats: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  const [N, C] = dims(x!);
  const code = /* wgsl */ `${REDUCE}${ROW_STATS}
fn main(index : i32) {
  let row = index / ${WG};
  let N = uniforms.N;
  let stats = rowStats(min(row, N - 1) * uniforms.C, uniforms.C, uniforms.eps);
  if (row < N && localId.x == 0u) { result[row * 2] = stats.x; result[row * 2 + 1] = stats.y; }
}`;
  return runKernel(
    backend,
    { key: 'layernorm_stats', inputs: ['x'], outputShape: [N, 2], layout: rows(N), uniforms: 'N : i32, C : i32, eps : f32,', code },
    [x!],
    [int(N), int(C), float((attrs as unknown as LayerNormAttrs).eps)],
  );
};

/** dx = (1/σ)·(g − mean(g) − x̂·mean(g·x̂)), g = dy·weight, per row. */
const dx: KernelFunc = ({ inputs, backend }) => {
  const { x, weight, dy, stats } = inputs as Record<string, TensorInfo>;
  const [N, C] = dims(x!);
  const code = /* wgsl */ `${REDUCE}
fn main(index : i32) {
  let row = index / ${WG};
  let N = uniforms.N;
  let C = uniforms.C;
  let r = min(row, N - 1);
  let base = r * C;
  let mean = stats[r * 2];
  let rstd = stats[r * 2 + 1];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = i32(localId.x); c < C; c = c + ${WG}) {
    let g = dy[base + c] * weight[c];
    sg = sg + g;
    sgx = sgx + g * (x[base + c] - mean) * rstd;
  }
  let mg = workgroupSum(sg) / f32(C);
  let mgx = workgroupSum(sgx) / f32(C);
  if (row < N) {
    for (var c = i32(localId.x); c < C; c = c + ${WG}) {
      let g = dy[base + c] * weight[c];
      result[base + c] = rstd * (g - mg - (x[base + c] - mean) * rstd * mgx);
    }
  }
}`;
  return runKernel(
    backend,
    {
      key: 'layernorm_dx',
      inputs: ['x', 'weight', 'dy', 'stats'],
      outputShape: [N, C],
      layout: rows(N),
      uniforms: 'N : i32, C : i32,',
      code,
    },
    [x!, weight!, dy!, stats!],
    [int(N), int(C)],
  );
};

/** Column sums over the N rows, one workgroup per column: Σ dy·x̂ (dweight) or Σ dy (dbias). */
function columnSum(withXhat: boolean): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, dy, stats } = inputs as Record<string, TensorInfo>;
    const [N, C] = dims(dy!);
    const term = withXhat ? 'dy[n * C + col] * (x[n * C + col] - stats[n * 2]) * stats[n * 2 + 1]' : 'dy[n * C + col]';
    const code = /* wgsl */ `${REDUCE}
fn main(index : i32) {
  let group = index / ${WG};
  let C = uniforms.C;
  let col = min(group, C - 1);
  var s = 0.0;
  for (var n = i32(localId.x); n < uniforms.N; n = n + ${WG}) { s = s + ${term}; }
  let total = workgroupSum(s);
  if (group < C && localId.x == 0u) { result[group] = total; }
}`;
    const names = withXhat ? ['x', 'dy', 'stats'] : ['dy'];
    return runKernel(
      backend,
      { key: `layernorm_colsum_${withXhat}`, inputs: names, outputShape: [C], layout: rows(C), uniforms: 'N : i32, C : i32,', code },
      withXhat ? [x!, dy!, stats!] : [dy!],
      [int(N), int(C)],
    );
  };
}

registerWebGPUKernel(LayerNormKernel, forward);
registerWebGPUKernel(LayerNormStatsKernel, stats);
registerWebGPUKernel(LayerNormDxKernel, dx);
registerWebGPUKernel(LayerNormDwKernel, columnSum(true));
registerWebGPUKernel(LayerNormDbKernel, columnSum(false));
