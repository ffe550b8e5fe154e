// `pnpm bench gpu`: training on the webgpu backend per preset: tokens/s and the GPU work one
// optimizer step issues (kernel dispatches, MB read + written), with the fused kernels and with the
// reference ops (`fastPaths: false`: before the kernels), and the wasm figure beside them. It runs
// on the adapter `startWebGPU` finds; a software adapter (lavapipe, SwiftShader) is a CPU emulating
// a GPU, so its tokens/s say nothing of a GPU, while dispatches and bytes are the same on any GPU.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Batch } from '@scratchgpt/data';
import { GPT, presets, type GPTConfig } from '@scratchgpt/model';
import { gpuWork, startWebGPU } from '@scratchgpt/nn';
import { AdamW, decayedParameters, trainStep } from '@scratchgpt/train';
import type { Suite, Table } from './report';

interface Case {
  preset: 'shakespeareCharCpu' | 'shakespeareChar';
  /** Rows of the measured step (the preset's own batch where a software adapter can afford it). */
  batch: number;
  /** Timed steps after one warm-up step. */
  steps: number;
}

/**
 * One step's cost on the active backend: seconds, and (on webgpu) dispatches and bytes. `layers`
 * changes the preset's depth and `timed: false` skips the timing (for the dispatches per layer).
 */
async function measure(
  c: Case,
  fused: boolean,
  { layers, timed = true }: { layers?: number; timed?: boolean } = {},
): Promise<{ tokensPerSec: number; dispatches: number; bytes: number }> {
  const config: GPTConfig = { ...presets[c.preset], fastPaths: fused, ...(layers ? { nLayer: layers } : {}) };
  const model = new GPT(config);
  const T = config.blockSize;
  const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-3, betas: [0.9, 0.99], fused });
  const ids = (seed: number) => Int32Array.from({ length: c.batch * T }, (_, i) => (i * 7 + seed) % config.vocabSize);
  const { x, y } = new Batch(ids(0), ids(1), c.batch, T).toTensors(tf);
  try {
    await trainStep(model, [{ x, y }], optimizer); // warm-up: shaders compiled, buffers pooled
    gpuWork(true);
    await trainStep(model, [{ x, y }], optimizer);
    const work = gpuWork(true);
    if (!timed) return { tokensPerSec: 0, ...work };
    const t = performance.now();
    for (let i = 0; i < c.steps; i++) await trainStep(model, [{ x, y }], optimizer);
    const seconds = (performance.now() - t) / 1000;
    return { tokensPerSec: (c.batch * T * c.steps) / seconds, ...work };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

export const gpuSuite: Suite = {
  name: 'gpu',
  async run(): Promise<Table[]> {
    let adapter: Awaited<ReturnType<typeof startWebGPU>>;
    try {
      adapter = await startWebGPU({ allowSoftware: true });
    } catch (error) {
      const why = (error as Error).message;
      console.error(`  no WebGPU adapter: ${why}`);
      return [{ title: 'Training on webgpu: no adapter', note: `startWebGPU failed: ${why}`, columns: ['preset'], rows: [] }];
    }
    const label = `${adapter.description}${adapter.software ? ' (software: a CPU emulating a GPU)' : ''}`;
    console.error(`  adapter: ${label}`);
    const cases: Case[] = adapter.software
      ? [
          { preset: 'shakespeareCharCpu', batch: 12, steps: 2 },
          { preset: 'shakespeareChar', batch: 2, steps: 1 },
        ]
      : [
          { preset: 'shakespeareCharCpu', batch: 12, steps: 10 },
          { preset: 'shakespeareChar', batch: 64, steps: 5 },
        ];
    const table: Table = {
      title: `Training on webgpu: ${label}`,
      note:
        'One optimizer step (forward, backward, clipping, AdamW) with `trainStep` on one thread. Dispatches and MB: the kernels one step runs and the bytes they read and write ' +
        "(inputs + output of each), counted by `gpuWork()` of @scratchgpt/nn around the second step; they depend on the model and batch, not on the GPU. Per layer: the difference with the same model one layer shallower; the rest is embeddings, final LayerNorm, head, loss, norm and the other parameters' updates. 'reference' is the same step " +
        'without the fused kernels (`fastPaths: false`, AdamW `fused: false`): before this work. tokens/s: mean of the timed steps after a warm-up; the wasm column is the same step ' +
        `on the wasm backend, one thread, in the same run.${adapter.software ? ' On a software adapter the shakespeareChar row uses 2 rows (its 64 would take many minutes); its dispatches are those of any batch that fits in one pass.' : ''}`,
      columns: [
        'preset',
        'rows × T',
        'dispatches/step',
        'per layer × layers + rest',
        'reference dispatches',
        'reference per layer × layers + rest',
        'MB moved/step',
        'reference MB',
        'tokens/s webgpu',
        'reference tokens/s',
        'tokens/s wasm',
      ],
      rows: [],
    };
    for (const c of cases) {
      await startWebGPU({ allowSoftware: true });
      const L = presets[c.preset].nLayer;
      const fused = await measure(c, true);
      const reference = await measure(c, false);
      // Per layer: the step of the same model one layer shallower, subtracted.
      const perLayer = fused.dispatches - (await measure(c, true, { layers: L - 1, timed: false })).dispatches;
      const refPerLayer = reference.dispatches - (await measure(c, false, { layers: L - 1, timed: false })).dispatches;
      const split = (total: number, per: number) => `${per} × ${L} + ${total - per * L}`;
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
      const wasm = await measure(c, true);
      const T = presets[c.preset].blockSize;
      console.error(
        `  ${c.preset}: ${fused.dispatches} dispatches (reference ${reference.dispatches}), ${fused.tokensPerSec.toFixed(0)} tokens/s (wasm ${wasm.tokensPerSec.toFixed(0)})`,
      );
      table.rows.push([
        c.preset,
        `${c.batch} × ${T}`,
        fused.dispatches,
        split(fused.dispatches, perLayer),
        reference.dispatches,
        split(reference.dispatches, refPerLayer),
        (fused.bytes / 1e6).toFixed(0),
        (reference.bytes / 1e6).toFixed(0),
        fused.tokensPerSec.toFixed(0),
        reference.tokensPerSec.toFixed(0),
        wasm.tokensPerSec.toFixed(0),
      ]);
    }
    return [table];
  },
};
