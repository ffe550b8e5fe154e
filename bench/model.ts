// Generation speed with and without the KV cache: the nanoGPT shakespeare-char model, 256 positions, greedy.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { GPT, presets } from '@scratchgpt/model';
import type { Suite, Table } from './report';

export const modelSuite: Suite = {
  name: 'model',
  async run(): Promise<Table[]> {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
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
    return [table];
  },
};
