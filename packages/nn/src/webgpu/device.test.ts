import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../setup';
import { gpuWork, startWebGPU, WebGPUError, webgpuAdapter } from './device';
import { runKernel } from './program';
import { useWebGPU } from './testing';

describe('startWebGPU (lavapipe in CI)', () => {
  beforeAll(useWebGPU);

  it('names its adapter and gives the device the adapter’s storage-buffer limit', () => {
    const adapter = webgpuAdapter()!;
    expect(tf.getBackend()).toBe('webgpu');
    expect(adapter.description.length).toBeGreaterThan(0);
    expect(adapter.maxStorageBuffers).toBeGreaterThanOrEqual(8);
  });

  it('refuses a software adapter unless asked for', async () => {
    if (!webgpuAdapter()!.software) return; // a hardware GPU: nothing to refuse
    await expect(startWebGPU()).rejects.toThrow(/software one .*--backend wasm/);
    await expect(startWebGPU({ allowSoftware: true })).resolves.toBe(webgpuAdapter());
  });

  it('sums more tensors than a kernel can bind (tf.addN of 40, as a gradient norm does)', async () => {
    const terms = Array.from({ length: 40 }, (_, i) => tf.fill([3], i + 1));
    gpuWork(true);
    const sum = await tf.addN(terms).data();
    expect([...sum]).toEqual([820, 820, 820]); // 1 + … + 40
    expect(gpuWork().dispatches).toBeGreaterThan(1); // split into sums that fit
    tf.dispose(terms);
  });

  it('throws a WebGPUError at the next read after the GPU reports an error, instead of a wrong number', async () => {
    const x = tf.ones([4]);
    const bad = runKernel(
      tf.backend(),
      {
        key: 'invalid_on_purpose',
        inputs: ['x'],
        outputShape: [4],
        layout: { kind: 'elementwise' },
        code: 'fn main(index : i32) { result[index] = undefinedName; }',
      },
      [x],
    );
    const y = tf.engine().makeTensorFromTensorInfo(bad);
    await expect(y.data()).rejects.toThrow(WebGPUError);
    expect(await tf.add(x, 1).data()).toEqual(new Float32Array([2, 2, 2, 2])); // the next work is fine again
    tf.dispose([x, y]);
  });
});
