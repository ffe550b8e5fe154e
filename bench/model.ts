// Model speed on wasm: one training step per attention kind (the baseline later work is measured
// against), and generation with and without the KV cache.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, presets } from '@scratchgpt/model';
import { timeIt, type Suite, type Table } from './report';

export const modelSuite: Suite = {
  name: 'model',
  async run(): Promise<Table[]> {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    const steps = trainingSteps();
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

/** Forward and forward + backward + Adam, per attention kind: shakespeareCharCpu, batch 12 × 64 tokens. */
function trainingSteps(): Table {
  const config = presets.shakespeareCharCpu;
  const [B, T] = [12, config.blockSize];
  const table: Table = {
    title: `Training step, shakespeareCharCpu (batch ${B} × ${T} tokens), wasm backend`,
    note: 'Median of 3 timed steps after one warm-up. Forward: logits and loss; step: forward, backward and an Adam update. Before any speed work: tfjs ops as they come.',
    columns: ['attention', 'parameters', 'forward ms', 'step ms', 'tokens/s'],
    rows: [],
  };
  const ids = (seed: number) => tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 7 + seed) % config.vocabSize), [B, T], 'int32');
  for (const attention of ['single', 'wrapper', 'fused']) {
    const model = new GPT({ ...config, attention, nHead: attention === 'single' ? 1 : config.nHead });
    const [x, y] = [ids(0), ids(1)];
    const optimizer = tf.train.adam(1e-3);
    const forward = timeIt(() => {
      const loss = model.loss(x, y, { training: true });
      loss.dataSync();
      loss.dispose();
    });
    const step = timeIt(() => {
      const loss = optimizer.minimize(() => model.loss(x, y, { training: true }), true)!;
      loss.dataSync();
      loss.dispose();
    });
    table.rows.push([attention, model.numParams(), (forward * 1000).toFixed(0), (step * 1000).toFixed(0), ((B * T) / step).toFixed(0)]);
    console.error(`  train step ${attention}: ${(step * 1000).toFixed(0)} ms`);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
  return table;
}
