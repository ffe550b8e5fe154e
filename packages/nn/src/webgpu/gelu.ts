/**
 * GELU's WebGPU kernels (the op and its gradient config are in `../gelu.ts`): elementwise over the
 * flat tensor, erf by `ERF_WGSL` (WGSL has none). Each lane strides through the tensor, so the grid
 * stays within the 65535 workgroups a dimension may have, however large the tensor.
 * Forward: 1 dispatch. Backward: 1 (dx = dy·(Φ(x) + x·φ(x)), Φ the normal CDF, φ its density).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GeluGradKernel, GeluKernel } from '../gelu';
import { ERF_WGSL, registerWebGPUKernel, runKernel } from './program';

const WG = 64;
/** The most workgroups one dispatch dimension may have (WebGPU's guaranteed minimum). */
const MAX_GROUPS = 65535;

/** A flat kernel over `shape`: `body` computes `result[i]` from element `i`. */
function elementwise(key: string, names: string[], inputs: TensorInfo[], shape: number[], body: string, backend: unknown): TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  const groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil(size / WG)));
  const code = /* wgsl */ `${ERF_WGSL}
fn main(index : i32) {
  for (var i = index; i < uniforms.size; i = i + uniforms.stride) {
    ${body}
  }
}`;
  return runKernel(
    backend,
    { key, inputs: names, outputShape: shape, layout: { kind: 'rows', groups, workgroupSize: WG }, uniforms: 'stride : i32,', code },
    inputs,
    [{ type: 'int32', data: [groups * WG] }],
  );
}

/** y = 0.5·x·(1 + erf(x/√2)). */
const forward: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  const body = /* wgsl */ `let v = x[i];
    result[i] = 0.5 * v * (1.0 + erf_(v * ${Math.SQRT1_2}));`;
  return elementwise('gelu', ['x'], [x!], [...x!.shape], body, backend);
};

/** dx = dy·(Φ(x) + x·φ(x)), Φ(x) = 0.5·(1 + erf(x/√2)), φ(x) = exp(−x²/2)/√(2π). */
const backward: KernelFunc = ({ inputs, backend }) => {
  const { x, dy } = inputs as Record<string, TensorInfo>;
  const body = /* wgsl */ `let v = x[i];
    let cdf = 0.5 * (1.0 + erf_(v * ${Math.SQRT1_2}));
    let pdf = exp(-0.5 * v * v) * ${1 / Math.sqrt(2 * Math.PI)};
    result[i] = dy[i] * (cdf + v * pdf);`;
  return elementwise('gelu_grad', ['x', 'dy'], [x!, dy!], [...x!.shape], body, backend);
};

registerWebGPUKernel(GeluKernel, forward);
registerWebGPUKernel(GeluGradKernel, backward);
