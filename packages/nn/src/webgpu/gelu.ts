/**
 * GELU's WebGPU kernels (the op and its gradient config are in `../gelu.ts`): elementwise over the
 * flat tensor (`runElementwise`), erf by `ERF_WGSL` (WGSL has none).
 * Forward: 1 dispatch. Backward: 1 (dx = dy·(Φ(x) + x·φ(x)), Φ the normal CDF, φ its density).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GeluGradKernel, GeluKernel } from '../gelu';
import { ERF_WGSL, registerWebGPUKernel, runElementwise } from './program';

/** y = 0.5·x·(1 + erf(x/√2)); dx = dy·(Φ(x) + x·φ(x)), Φ(x) = 0.5·(1 + erf(x/√2)), φ(x) = exp(−x²/2)/√(2π). */
const HELPERS = /* wgsl */ `${ERF_WGSL}
fn gelu_(v : f32) -> f32 { return 0.5 * v * (1.0 + erf_(v * ${Math.SQRT1_2})); }
fn geluGrad(v : f32, g : f32) -> f32 {
  let cdf = 0.5 * (1.0 + erf_(v * ${Math.SQRT1_2}));
  let pdf = exp(-0.5 * v * v) * ${1 / Math.sqrt(2 * Math.PI)};
  return g * (cdf + v * pdf);
}
`;

const forward: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  return runElementwise(backend, { key: 'gelu', inputs: ['x'], helpers: HELPERS, expression: 'gelu_(x[i])' }, [x!]);
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { x, dy } = inputs as Record<string, TensorInfo>;
  return runElementwise(backend, { key: 'gelu_grad', inputs: ['x', 'dy'], helpers: HELPERS, expression: 'geluGrad(x[i], dy[i])' }, [
    x!,
    dy!,
  ]);
};

registerWebGPUKernel(GeluKernel, forward);
registerWebGPUKernel(GeluGradKernel, backward);
