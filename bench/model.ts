// Model speed: one training step per backend and attention kind (what `scratchgpt train` runs),
// and generation with and without the KV cache on wasm, against the floor of its matrix products.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { attentionKinds } from '@scratchgpt/attention';
import { GPT, headsFor, presets } from '@scratchgpt/model';
import { BACKENDS, Linear } from '@scratchgpt/nn';
import { AdamW, decayedParameters, trainStep } from '@scratchgpt/train';
import { timeIt, type Suite, type Table } from './report';

export const modelSuite: Suite = {
  name: 'model',
  async run(): Promise<Table[]> {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    const steps = await trainingSteps();
    return [steps, await generation()];
  },
};

/**
 * Greedy decoding of shakespeareChar (10.75M parameters) from one token to 256 positions, with and
 * without the KV cache, and the floor measured in the same run: the same number of steps of the
 * one-row products with every weight matrix of the model (what a cached step must at least do),
 * and nothing else. Decoding streams every weight once a token, so the floor is the machine's
 * memory bandwidth, which varies from run to run on a shared machine: the ratio is what to read.
 */
async function generation(): Promise<Table> {
  const model = new GPT(presets.shakespeareChar);
  const params = model.numParams();
  model.eval();
  const newTokens = presets.shakespeareChar.blockSize - 1; // one prompt token + 255 new: 256 positions
  await model.generate([0], { maxNewTokens: 5, temperature: 0 });
  // 1. The floor: x·W for every weight matrix (the tied head as wteᵀ), one row, newTokens times.
  const weights = [
    ...model
      .namedModules()
      .filter(([, m]) => m instanceof Linear)
      .map(([, m]) => (m as Linear).weight),
    tf.transpose(model.transformer.wte.weight),
  ];
  const rows = weights.map((w) => tf.randomNormal([1, w.shape[0]!]));
  const floor = await timeIt(() => {
    for (let t = 0; t < newTokens; t++)
      for (const [i, w] of weights.entries()) tf.matMul(rows[i] as tf.Tensor2D, w as tf.Tensor2D).dispose();
  });
  const bytes = weights.reduce((n, w) => n + w.size * 4, 0);
  tf.dispose([weights.at(-1)!, ...rows]);
  // 2. Generation with and without the cache.
  const seconds: number[] = [];
  for (const useCache of [true, false]) {
    const t = performance.now();
    await model.generate([0], { maxNewTokens: newTokens, temperature: 0, useCache });
    seconds.push((performance.now() - t) / 1000);
    console.error(`  generate useCache=${useCache}: ${seconds.at(-1)!.toFixed(2)} s (floor ${floor.toFixed(2)} s)`);
  }
  model.dispose();
  const [cached, uncached] = seconds as [number, number];
  return {
    title: `Generating ${newTokens + 1} positions (shakespeareChar: ${(params / 1e6).toFixed(2)}M parameters, block 256), wasm backend`,
    note:
      'Greedy decoding from a one-token prompt, one run each after a 5-token warm-up. Without the cache every step re-reads the whole context; both give the same tokens (tested). ' +
      `Floor, measured in the same run (median of 3): ${newTokens} steps of only the one-row products with every weight matrix (${(bytes / 1e6).toFixed(1)} MB a step, ` +
      `${((floor * 1000) / newTokens).toFixed(2)} ms a step, ${((bytes * newTokens) / floor / 1e9).toFixed(1)} GB/s): what a cached step must at least do. It is memory-bound, so it moves with the machine's bandwidth; read the ratio.`,
    columns: ['KV cache', 'new tokens', 'seconds', 'tokens/s', 'speed-up', 'of the floor'],
    rows: [
      [
        'yes',
        newTokens,
        cached.toFixed(2),
        (newTokens / cached).toFixed(1),
        `${(uncached / cached).toFixed(1)}x`,
        `${(cached / floor).toFixed(2)}x`,
      ],
      ['no', newTokens, uncached.toFixed(2), (newTokens / uncached).toFixed(1), '1.0x', `${(uncached / floor).toFixed(2)}x`],
      ['floor: matrix products alone', newTokens, floor.toFixed(2), (newTokens / floor).toFixed(1), '', '1.00x'],
    ],
  };
}

/** The backends to time: wasm and cpu always; native TensorFlow when @tensorflow/tfjs-node(-gpu) is installed. */
async function availableBackends(): Promise<string[]> {
  const names = ['wasm', 'cpu'];
  for (const native of BACKENDS.filter((b) => b.native)) {
    try {
      await import(native.module);
      names.unshift(native.tfName);
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
      "(plain 2-D products forward and backward); reference = tfjs's matMul and its gradients (`fastPaths: false`).",
    columns: ['backend', 'attention', 'path', 'parameters', 'forward ms', 'step ms', 'tokens/s'],
    rows: [],
  };
  const ids = (seed: number) =>
    tf.tensor2d(
      Int32Array.from({ length: B * T }, (_, i) => (i * 7 + seed) % config.vocabSize),
      [B, T],
      'int32',
    );
  for (const backend of await availableBackends()) {
    if (!(await tf.setBackend(backend))) {
      console.error(`  ${backend}: did not start, skipped`);
      continue;
    }
    const kinds =
      backend === 'wasm'
        ? attentionKinds().flatMap(
            (a) =>
              [
                [a, true],
                [a, false],
              ] as const,
          )
        : ([['fused', true]] as const);
    for (const [attention, fastPaths] of kinds) {
      const model = new GPT({ ...config, attention, fastPaths, nHead: headsFor(attention, config.nHead) });
      const [x, y] = [ids(0), ids(1)];
      const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-3, betas: [0.9, 0.99] });
      const forward = await timeIt(async () => {
        const loss = model.loss(x, y, { training: true });
        await loss.data();
        loss.dispose();
      });
      const step = await timeIt(() => trainStep(model, [{ x, y }], optimizer, { gradClip: 1 }));
      table.rows.push([
        backend,
        attention,
        fastPaths ? 'fast' : 'reference',
        model.numParams(),
        (forward * 1000).toFixed(0),
        (step * 1000).toFixed(0),
        ((B * T) / step).toFixed(0),
      ]);
      console.error(`  train step ${backend} ${attention} ${fastPaths ? 'fast' : 'reference'}: ${(step * 1000).toFixed(0)} ms`);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    }
  }
  await tf.setBackend('wasm');
  return table;
}
