import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../setup';
import { SoftwareAdapterError, startWebGPU } from './device';

// A fresh module state (vitest runs each file in its own worker): what a refused start leaves behind,
// and two starts at once.
describe('startWebGPU from scratch', () => {
  it('leaves no navigator.gpu behind when it refuses a software adapter, and two starts at once share one device', async () => {
    const refused = await startWebGPU().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refused !== undefined) {
      expect(refused).toBeInstanceOf(SoftwareAdapterError); // lavapipe in CI
      expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined(); // tfjs's own factory cannot find it
    }
    const [a, b] = await Promise.all([startWebGPU({ allowSoftware: true }), startWebGPU({ allowSoftware: true })]);
    expect(b).toBe(a);
    expect(tf.getBackend()).toBe('webgpu');
    expect(await tf.add(tf.ones([2]), 1).data()).toEqual(new Float32Array([2, 2]));
  });
});
