// Model speed: one training step per backend and attention kind (what `scratchgpt train` runs),
// and generation with and without the KV cache on wasm.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, presets } from '@scratchgpt/model';
import { AdamW, decayedParameters, trainStep } from '@scratchgpt/train';
import { timeIt, type Suite, type Table } from './report';

export const modelSuite: Suite = {
  name: 'model',
  async run(): Promise<Table[]> {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    const steps = await trainingSteps();
    const model = new GPT(presets.shakespeareChar);
    model.eval();
    const newTokens = presets.shakespeareChar.blockSize - 1; // one prompt token + 255 new: 256 positions
    const table: Table = {
      title: `Generating ${newTokens + 1} positions (shakespeareChar: ${(model.numParams() / 1e6).toFixed(2)}M parameters, block 256), wasm backend`,
      note: 'Greedy decoding from a one-token prompt, one run each after a 5-token warm-up. Without the cache every step re-reads the whole context; both give the same tokens (tested).',
      columns: ['KV cache', 'new tokens', 'seconds', 'tokens/s', 'speed-up'],
      rows: [],
    };
    await model.generate([0], { maxNewTokens: 5, temperature: 0 });
    const seconds: number[] = [];
    for (const useCache of [true, false]) {
      const t = performance.now();
      await model.generate([0], { maxNewTokens: newTokens, temperature: 0, useCache });
      seconds.push((performance.now() - t) / 1000);
      console.error(`  generate useCache=${useCache}: ${seconds.at(-1)!.toFixed(2)} s`);
    }
    const [cached, uncached] = seconds as [number, number];
    table.rows.push(['yes', newTokens, cached.toFixed(2), (newTokens / cached).toFixed(1), `${(uncached / cached).toFixed(1)}x`]);
    table.rows.push(['no', newTokens, uncached.toFixed(2), (newTokens / uncached).toFixed(1), '1.0x']);
    model.dispose();
    return [steps, table];
  },
};

/** The backends to time: wasm and cpu always; native TensorFlow when @tensorflow/tfjs-node(-gpu) is installed. */
async function availableBackends(): Promise<string[]> {
  const names = ['wasm', 'cpu'];
  for (const native of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(native);
      names.unshift('tensorflow');
      break;
    } catch {
      // not installed: optional
    }
  }
  return names;
}

/**
 * What `scratchgpt train` runs for its default preset (shakespeareCharCpu, batch 12 × 64): forward,
 * and one full step (forward, backward, clipping, AdamW) through @scratchgpt/train, per backend,
 * and per attention kind on wasm.
 */
async function trainingSteps(): Promise<Table> {
  const config = presets.shakespeareCharCpu;
  const [B, T] = [12, config.blockSize];
  const table: Table = {
    title: `Training step, shakespeareCharCpu (batch ${B} × ${T} tokens) per backend`,
    note:
      'Median of 3 timed steps after one warm-up. Forward: logits and loss. Step: forward, backward, gradient clipping and AdamW, ' +
      'on one thread (trainStep of @scratchgpt/train; `pnpm bench training` has threads). Paths: fast = matMul2d for linear layers and batchMatMul for attention ' +
      '(plain 2-D products forward and backward); reference = tfjs\'s matMul and its gradients (`fastPaths: false`).',
    columns: ['backend', 'attention', 'path', 'parameters', 'forward ms', 'step ms', 'tokens/s'],
    rows: [],
  };
  const ids = (seed: number) => tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 7 + seed) % config.vocabSize), [B, T], 'int32');
  for (const backend of await availableBackends()) {
    if (!(await tf.setBackend(backend))) {
      console.error(`  ${backend}: did not start, skipped`);
      continue;
    }
    const kinds = backend === 'wasm' ? ['single', 'wrapper', 'fused'].flatMap((a) => [[a, true], [a, false]] as const) : ([['fused', true]] as const);
    for (const [attention, fastPaths] of kinds) {
      const model = new GPT({ ...config, attention, fastPaths, nHead: attention === 'single' ? 1 : config.nHead });
      const [x, y] = [ids(0), ids(1)];
      const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-3, betas: [0.9, 0.99] });
      const forward = timeIt(() => {
        const loss = model.loss(x, y, { training: true });
        loss.dataSync();
        loss.dispose();
      });
      const step = timeIt(() => trainStep(model, [{ x, y }], optimizer, { gradClip: 1 }));
      table.rows.push([backend, attention, fastPaths ? 'fast' : 'reference', model.numParams(), (forward * 1000).toFixed(0), (step * 1000).toFixed(0), ((B * T) / step).toFixed(0)]);
      console.error(`  train step ${backend} ${attention} ${fastPaths ? 'fast' : 'reference'}: ${(step * 1000).toFixed(0)} ms`);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    }
  }
  await tf.setBackend('wasm');
  return table;
}
