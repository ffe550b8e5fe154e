/**
 * Σ‖x‖² over a list of tensors (the square of a global gradient norm) as one WebGPU kernel,
 * registered for 'webgpu' on import. `sumOfSquares` (`../train-step.ts`) runs it where the backend
 * has it; elsewhere its reference is `addN(sum(square(x)) for each x)`: two dispatches per tensor
 * on webgpu, plus the AddN tree.
 *
 * Here one dispatch takes as many tensors as the device binds (`maxStorageBuffersPerShaderStage`,
 * less the output), each cut into `slices` workgroups of 256 lanes that square, sum and reduce
 * through workgroup memory into one partial sum each. The next dispatch takes the next tensors
 * and the previous dispatch's partial sums (`carry`, added by its first workgroup), and one last
 * dispatch sums the final partials: for P tensors and a limit of L buffers,
 * ⌈(P − 1)/(L − 2)⌉ + 1 dispatches (27 gradients, 16 buffers: 3) where the reference
 * runs 2P + ⌈…⌉ (57). Only the order of the additions differs from the reference: the result
 * agrees to float rounding.
 *
 * The kernel name lives here, not in `../train-step.ts`, so that file imports this one and not the
 * other way round (as `adamw.ts`).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { flatView, registerWebGPUKernel, runWebGPUKernel, workgroupReduceWgsl } from '@scratchgpt/nn';

/** `Σ_t Σ_i x_t[i]²`, a float32 scalar; inputs: the tensors, as an array (as AddN's). */
export const SumOfSquaresKernel = 'ScratchgptSumOfSquares';

const WG = 256; // WebGPU's default maxComputeInvocationsPerWorkgroup
/** Elements a lane sums before a tensor gets another workgroup, and the most workgroups a tensor gets. */
const PER_LANE = 16;
const MAX_SLICES = 64;
/** WebGPU's default maxStorageBuffersPerShaderStage, where the backend does not say. */
const DEFAULT_STORAGE_BUFFERS = 8;

const int = (...data: number[]) => ({ type: 'int32' as const, data });
const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

const REDUCE = workgroupReduceWgsl(WG);

/** WGSL of a dispatch over `k` tensors (`x0`…), with or without the previous partial sums (`carry`). */
function code(k: number, carry: boolean): string {
  const tensors = Array.from(
    { length: k },
    (_, t) => /* wgsl */ `
  if (j == ${t}) {
    for (var e = start; e < uniforms.n${t}; e = e + stride) { let v = x${t}[e]; s = s + v * v; }
  }`,
  ).join('');
  const carried = carry
    ? /* wgsl */ `
  if (group == 0) {
    for (var e = lane; e < uniforms.nCarry; e = e + ${WG}) { s = s + carry[e]; }
  }`
    : '';
  return /* wgsl */ `${REDUCE}
fn main(index : i32) {
  let group = index / ${WG};
  let lane = i32(localId.x);
  let j = group / uniforms.slices;
  let start = (group % uniforms.slices) * ${WG} + lane;
  let stride = uniforms.slices * ${WG};
  var s = 0.0;${tensors}${carried}
  let total = workgroupSum(s);
  if (group < uniforms.size && lane == 0) { result[group] = total; }
}`;
}

/** One dispatch: partial sums `[k·slices]` of `xs` (k ≥ 1), the first one plus Σ carry; or, k = 0, Σ carry `[1]`. */
function partialSums(backend: unknown, xs: TensorInfo[], carry: TensorInfo | undefined): TensorInfo {
  const k = xs.length;
  const largest = Math.max(0, ...xs.map(size));
  const slices = Math.min(MAX_SLICES, Math.max(1, Math.ceil(largest / (WG * PER_LANE))));
  const groups = k === 0 ? 1 : k * slices;
  const names = xs.map((_, t) => `x${t}`);
  const uniforms = ['slices : i32,', ...names.map((_, t) => `n${t} : i32,`), carry ? 'nCarry : i32,' : ''].join(' ');
  return runWebGPUKernel(
    backend,
    {
      key: `sum_squares_${k}_${carry !== undefined}`,
      inputs: carry ? [...names, 'carry'] : names,
      outputShape: [groups],
      layout: { kind: 'rows', groups, workgroupSize: WG },
      uniforms,
      code: code(k, carry !== undefined),
    },
    (carry ? [...xs, carry] : xs).map(flatView),
    [int(slices), ...xs.map((x) => int(size(x))), ...(carry ? [int(size(carry))] : [])],
  );
}

const sumOfSquares: KernelFunc = ({ inputs, backend }) => {
  const xs = (inputs as unknown as TensorInfo[]).filter((x) => size(x) > 0);
  const device = (backend as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device;
  const bindable = Math.max(3, device?.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS) - 1; // one is the output
  const dispose = (t: TensorInfo) => (backend as { disposeData(id: object): boolean }).disposeData(t.dataId);
  let carry: TensorInfo | undefined;
  for (let i = 0; i < xs.length; ) {
    const chunk = xs.slice(i, i + bindable - (carry ? 1 : 0));
    i += chunk.length;
    const next = partialSums(backend, chunk, carry);
    if (carry) dispose(carry);
    carry = next;
  }
  const total = partialSums(backend, [], carry);
  if (carry) dispose(carry);
  return { dataId: total.dataId, shape: [], dtype: total.dtype };
};

registerWebGPUKernel(SumOfSquaresKernel, sumOfSquares);
