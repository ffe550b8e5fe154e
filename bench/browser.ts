// Generation speed in the browser sampler, per backend, for the shakespeareCharCpu model (Debian
// Chromium headless; WebGPU and WebGL come from SwiftShader, i.e. the CPU, on a machine without GPU).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveDataset } from '@scratchgpt/data/node';
import { GPT, exportFiles, presets } from '@scratchgpt/model';
import { backendsFor } from '@scratchgpt/nn';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import { APP_DIST, generateIn, launch, serve } from '../apps/sampler/e2e/harness';
import type { Suite, Table } from './report';

const NEW_TOKENS = 100;

export const browserSuite: Suite = {
  name: 'browser',
  async run(): Promise<Table[]> {
    // An untrained model of the preset's shape: speed does not depend on the weights.
    await tf.setBackend('cpu');
    const text = readFileSync(await resolveDataset('shakespeare'), 'utf8');
    const tokenizer = CharTokenizer.fromText(text);
    const model = new GPT({ ...presets.shakespeareCharCpu, vocabSize: tokenizer.vocabSize });
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-bench-browser-'));
    const { files } = await exportFiles(model, tokenizer, {
      run: 'bench (untrained)',
      step: 0,
      valLoss: null,
      preset: 'shakespeare-char-cpu',
    });
    for (const { path, bytes } of files) writeFileSync(join(dir, path), bytes);
    model.dispose();
    const server = await serve({ '/': APP_DIST, '/model/': dir });
    const browser = await launch();
    const table: Table = {
      title: `Generating in the browser sampler, shakespeareCharCpu (${presets.shakespeareCharCpu.nLayer} layers, 128 wide, context 64), per backend`,
      note:
        `Headless Debian Chromium, greedy, ${NEW_TOKENS} new tokens after a one-run warm-up, KV cache; tokens/s as the page shows it (the page yields to the event loop after each token). ` +
        'On this machine WebGPU and WebGL run on SwiftShader, a CPU emulation, so they are far slower than on a real GPU.',
      columns: ['backend', 'new tokens', 'tokens/s'],
      rows: [],
    };
    try {
      const page = await browser.context.newPage();
      for (const { name: backend } of backendsFor('browser')) {
        await generateIn(page, server.url, '/model/manifest.json', backend, '\n', 10); // warm-up: shaders, kernels
        const result = await generateIn(page, server.url, '/model/manifest.json', backend, '\n', NEW_TOKENS);
        table.rows.push([result.backend, result.tokens, result.tokensPerSec.toFixed(1)]);
        console.error(`  browser ${backend}: ${result.tokensPerSec} tokens/s`);
      }
    } finally {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return [table];
  },
};
