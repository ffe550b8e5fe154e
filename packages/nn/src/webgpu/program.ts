/**
 * Writing a WGSL kernel for tfjs's WebGPU backend without importing it: a kernel is a
 * `WebGPUProgram`-shaped object run by `backend.runWebGPUProgram`, which declares the bindings
 * (`result`, then one `array<f32>` or `array<i32>` per input, named as given) and a `uniforms`
 * struct, and calls our `fn main(index : i32)` once per invocation. Registration only names the
 * backend (`'webgpu'`), so these files load everywhere and cost nothing until that backend runs.
 *
 * Two shapes of kernel cover ours:
 * - `elementwise`: one invocation per output element (`index` is the element);
 * - `rows`: one workgroup of `workgroupSize` invocations per group of output elements (a row to
 *   normalise, a column to sum), cooperating through workgroup memory. `index / workgroupSize` is
 *   the group and `i32(localId.x)` the lane; extra workgroups (the backend may round the grid up)
 *   must not write. Barriers must stay in uniform control flow: loop to a bound every lane shares.
 * Grids over WebGPU's 65535 workgroups per dimension are folded into 2-D or 3-D by the backend
 * (`reshapeDispatch`), and `index` is computed across the fold (`layer-norm.test.ts` runs 70,000 rows).
 */
import { getKernel, registerKernel, type DataType, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs's WebGPUBackend a kernel here uses. */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: object,
    inputs: TensorInfo[],
    outputDtype: DataType,
    uniforms?: Array<{ type: 'float32' | 'int32' | 'uint32'; data: number[] }>,
  ): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** A kernel's description. */
export interface KernelSpec {
  /** Cache key of the compiled shader: must change with anything `code` bakes in. */
  key: string;
  /** Input names, bound in this order (`A`, `B`, …: WGSL arrays of that name). */
  inputs: string[];
  outputShape: number[];
  /** `elementwise`, or `rows`: `groups` workgroups of `workgroupSize` lanes. */
  layout: { kind: 'elementwise' } | { kind: 'rows'; groups: number; workgroupSize: number };
  /** Extra uniform fields, WGSL struct syntax (`n : i32, eps : f32,`), in the order of the values given to `run`. */
  uniforms?: string;
  /** WGSL: helper functions and `fn main(index : i32) { … }`. */
  code: string;
}

const ELEMENTWISE_WORKGROUP = 64;

function program(spec: KernelSpec): object {
  const size = spec.outputShape.reduce((a, b) => a * b, 1);
  const [dispatchX, workgroupSize] =
    spec.layout.kind === 'elementwise'
      ? [Math.ceil(size / ELEMENTWISE_WORKGROUP), ELEMENTWISE_WORKGROUP]
      : [spec.layout.groups, spec.layout.workgroupSize];
  return {
    variableNames: spec.inputs,
    outputShape: spec.outputShape,
    shaderKey: `scratchgpt_${spec.key}`,
    dispatchLayout: { x: spec.outputShape.map((_, i) => i) },
    dispatch: [Math.max(1, dispatchX), 1, 1],
    workgroupSize: [workgroupSize, 1, 1],
    size: true, // uniforms.size = the output's element count
    uniforms: spec.uniforms,
    getUserCode: () => spec.code,
  };
}

/** Runs a kernel on the webgpu backend. `uniforms`: values of `spec.uniforms`, in order. */
export function runKernel(
  backend: unknown,
  spec: KernelSpec,
  inputs: TensorInfo[],
  uniforms: Array<{ type: 'float32' | 'int32'; data: number[] }> = [],
  dtype: DataType = 'float32',
): TensorInfo {
  return (backend as WebGPUBackendLike).runWebGPUProgram(program(spec), inputs, dtype, uniforms);
}

/** The same data seen as 1-D (what tfjs's own Reshape returns): one compiled shader for every rank. */
export function flatView(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [t.shape.reduce((a, b) => a * b, 1)], dtype: t.dtype };
}

/** An elementwise kernel: `expression` is WGSL of element `i` of the inputs (by name) and `uniforms`. */
export interface ElementwiseSpec {
  key: string;
  inputs: string[];
  expression: string;
  /** WGSL functions the expression calls. */
  helpers?: string;
  uniforms?: string;
}

/**
 * Runs `spec.expression` for every element of `tensors[0]`'s shape (the inputs seen flat): one
 * dispatch, the output in that shape. Grids past 65,535 workgroups are folded by the backend.
 */
export function runElementwise(
  backend: unknown,
  spec: ElementwiseSpec,
  tensors: TensorInfo[],
  uniforms: Array<{ type: 'float32' | 'int32'; data: number[] }> = [],
): TensorInfo {
  const shape = [...tensors[0]!.shape];
  const code = /* wgsl */ `${spec.helpers ?? ''}
fn main(index : i32) {
  let i = index;
  if (i < uniforms.size) { result[i] = ${spec.expression}; }
}`;
  const out = runKernel(
    backend,
    {
      key: spec.key,
      inputs: spec.inputs,
      outputShape: [flatView(tensors[0]!).shape[0]!],
      layout: { kind: 'elementwise' },
      uniforms: spec.uniforms,
      code,
    },
    tensors.map(flatView),
    uniforms,
  );
  return { dataId: out.dataId, shape, dtype: out.dtype };
}

/** Registers `kernelFunc` as `name` for the webgpu backend (once). */
export function registerWebGPUKernel(name: string, kernelFunc: KernelFunc): void {
  if (getKernel(name, 'webgpu') === undefined) registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc });
}

/**
 * Workgroup reductions for `rows` kernels of `lanes` lanes (a power of two): `workgroupSum(v)` and
 * `workgroupMax(v)`, where every lane passes its part and gets the result (a tree through
 * workgroup memory; call them from uniform control flow, as they hold barriers).
 */
export function workgroupReduceWgsl(lanes: number): string {
  if (!(lanes > 1 && (lanes & (lanes - 1)) === 0)) throw new Error(`workgroupReduceWgsl: lanes must be a power of two, got ${lanes}.`);
  return /* wgsl */ `
var<workgroup> partial : array<f32, ${lanes}>;
fn workgroupReduce(value : f32, isMax : bool) -> f32 {
  let lane = localId.x;
  partial[lane] = value;
  workgroupBarrier();
  for (var s = ${lanes / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) {
      let other = partial[lane + s];
      partial[lane] = select(partial[lane] + other, max(partial[lane], other), isMax);
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
fn workgroupSum(value : f32) -> f32 { return workgroupReduce(value, false); }
fn workgroupMax(value : f32) -> f32 { return workgroupReduce(value, true); }
`;
}

/** WGSL's erf is missing: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as tfjs's own Erf kernels. */
export const ERF_WGSL = /* wgsl */ `
fn erf_(x : f32) -> f32 {
  let s = sign(x);
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return s * y;
}
`;
