// The browser app, per backend, on the shakespeareCharCpu model (Debian Chromium headless; WebGPU
// and WebGL come from SwiftShader, i.e. the CPU, on a machine without GPU): generation speed in the
// sampler, and training speed in the Train view against the CLI's on the same machine in the same run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveDataset } from '@scratchgpt/data/node';
import { GPT, exportFiles, presets } from '@scratchgpt/model';
import { backendsFor } from '@scratchgpt/nn';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import { medianTokensPerSec, readCheckpoint, type Metric } from '@scratchgpt/train';
import { APP_DIST, downloadCheckpoint, generateIn, launch, serve, trainIn } from '../apps/web/e2e/harness';
import type { Suite, Table } from './report';

const NEW_TOKENS = 100;
/** Training steps per backend (the first is a warm-up: shaders, kernels), and fewer on SwiftShader. */
const TRAIN_STEPS: Record<string, number> = { webgpu: 4, wasm: 30, cpu: 8 };
const CLI = join(import.meta.dirname, '../apps/trainer/dist/cli.js');

/** The preset's recipe for `steps` steps, timing only: one evaluation batch at the ends, no samples. */
const trainFields = (steps: number) => ({ 'max-iters': steps, 'eval-interval': 100_000, 'eval-iters': 1, 'sample-tokens': 0 });
/** Median tokens/s of the steps after the first. */
const rate = (metrics: readonly Metric[]) => medianTokensPerSec(metrics.filter((m) => m.step > 1));

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
    const training: Table = {
      title: 'Training in the browser (Train view), shakespeare-char-cpu preset (batch 12, context 64: 768 tokens per step), per backend',
      note:
        'Headless Debian Chromium, the Train view training in its Web Worker with the library loop; median tokens/s of the steps after the first (from the metrics in the downloaded checkpoint). ' +
        "Measured against the CLI in the same run on the same machine: `scratchgpt train` on wasm with one thread (`--workers 1`: the page trains on one worker; wasm's own threads run inside it) and with every core (`--workers auto`). " +
        'WebGPU here is SwiftShader, a CPU emulation; on a real GPU it is the fast one.',
      columns: ['trainer', 'backend', 'steps', 'tokens/s', 'vs CLI wasm, 1 thread'],
      rows: [],
    };
    try {
      // 1. The CLI on the same machine: the limit the page is measured against.
      const cliRates: Array<[string, number]> = [];
      for (const workers of ['1', 'auto']) {
        const out = join(dir, `cli-${workers}`);
        const flags = Object.entries(trainFields(TRAIN_STEPS.wasm!)).flatMap(([k, v]) => [`--${k}`, String(v)]);
        await promisify(execFile)('node', [CLI, 'train', '--out', out, ...flags, '--backend', 'wasm', '--workers', workers]);
        const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Metric);
        cliRates.push([workers, rate(metrics)]);
        console.error(`  CLI wasm --workers ${workers}: ${rate(metrics).toFixed(0)} tokens/s`);
      }
      const limit = cliRates[0]![1];
      for (const [workers, tps] of cliRates)
        training.rows.push([`CLI --workers ${workers}`, 'wasm', TRAIN_STEPS.wasm!, tps.toFixed(0), (tps / limit).toFixed(2)]);
      // 2. The page, per backend.
      const trainServer = await serve({ '/': APP_DIST, '/datasets/': dirname(await resolveDataset('shakespeare')) });
      try {
        const page = await browser.context.newPage();
        for (const backend of ['webgpu', 'wasm', 'cpu']) {
          const steps = TRAIN_STEPS[backend]!;
          const status = await trainIn(
            page,
            trainServer.url,
            { backend, preset: 'shakespeare-char-cpu', ...trainFields(steps) },
            1_800_000,
          );
          const tps = rate(readCheckpoint(await downloadCheckpoint(page, status.runId)).state.training!.metrics);
          training.rows.push(['browser Train view', status.backend, steps, tps.toFixed(1), (tps / limit).toFixed(3)]);
          console.error(`  browser training ${status.backend}: ${tps.toFixed(1)} tokens/s`);
        }
        await page.close();
      } finally {
        await trainServer.close();
      }
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
    return [table, training];
  },
};
