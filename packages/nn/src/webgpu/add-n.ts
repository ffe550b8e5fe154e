/**
 * tfjs's WebGPU AddN binds one storage buffer per input, so a sum of more tensors than the device's
 * `maxStorageBuffersPerShaderStage` (8 by default, 16 on many adapters) fails GPU validation and
 * returns garbage. This replaces the webgpu AddN by a tree of AddNs that each fit: the same sum,
 * a few more dispatches for long lists (a global gradient norm over 50 tensors: 4 instead of 1).
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

export function registerChunkedAddN(maxStorageBuffers: number): void {
  const original = getKernel('AddN', 'webgpu') as KernelConfig | undefined;
  if (original === undefined || (original.kernelFunc as { chunked?: boolean }).chunked) return;
  const fit = Math.max(2, maxStorageBuffers - 1); // one buffer is the output
  const kernelFunc: KernelFunc & { chunked?: boolean } = ({ inputs, backend, attrs }) => {
    let terms = inputs as unknown as TensorInfo[];
    const made: TensorInfo[] = [];
    while (terms.length > fit) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < terms.length; i += fit) {
        const group = terms.slice(i, i + fit);
        if (group.length === 1) next.push(group[0]!);
        else {
          const sum = original.kernelFunc({ inputs: group as never, backend, attrs }) as TensorInfo;
          made.push(sum);
          next.push(sum);
        }
      }
      terms = next;
    }
    const result = original.kernelFunc({ inputs: terms as never, backend, attrs }) as TensorInfo;
    for (const t of made) (backend as { disposeData(id: unknown): void }).disposeData(t.dataId);
    return result;
  };
  kernelFunc.chunked = true;
  unregisterKernel('AddN', 'webgpu');
  registerKernel({ ...original, kernelFunc });
}
