// Training speed per preset, backend and thread count, against what the machine's matrix products
// reach: the wasm backend's best plain 2-D matMul (one thread) and a native BLAS (numpy) when present.
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { Batch } from '@scratchgpt/data';
import { GPT, presets, type GPTConfig } from '@scratchgpt/model';
import { AdamW, WASM_PASS_BUDGET, decayedParameters, measurePassMemory, rowsWithin } from '@scratchgpt/train';
import { DataParallel } from '@scratchgpt/train/node';
import type { Suite, Table } from './report';

interface Case {
  preset: 'shakespeareCharCpu' | 'shakespeareChar';
  batch: number;
  backend: 'wasm' | 'cpu';
  threads: number;
  /** Timed steps (after one warm-up step when > 1). */
  steps: number;
}

const CASES: Case[] = [
  { preset: 'shakespeareCharCpu', batch: 12, backend: 'wasm', threads: 1, steps: 5 },
  { preset: 'shakespeareCharCpu', batch: 12, backend: 'wasm', threads: 2, steps: 5 },
  { preset: 'shakespeareCharCpu', batch: 12, backend: 'cpu', threads: 1, steps: 1 },
  { preset: 'shakespeareCharCpu', batch: 12, backend: 'cpu', threads: 2, steps: 1 },
  { preset: 'shakespeareChar', batch: 64, backend: 'wasm', threads: 1, steps: 1 },
  { preset: 'shakespeareChar', batch: 64, backend: 'wasm', threads: 2, steps: 1 },
];

/** nanoGPT's estimate_mfu: 6 FLOPs per weight per token (forward and backward) plus attention's 12·L·C·T; position embeddings left out. */
function flopsPerToken(config: GPTConfig, params: number): number {
  const { nLayer, nEmbd, blockSize } = config;
  return 6 * (params - blockSize * nEmbd) + 12 * nLayer * nEmbd * blockSize;
}

/** The best GFLOP/s of a plain 2-D matMul on wasm over a few shapes (one thread, as the trainer's threads). */
function wasmMatMulGflops(): number {
  let best = 0;
  for (const [m, k, n] of [
    [768, 128, 512],
    [1024, 1024, 1024],
    [4096, 384, 1536],
  ] as const) {
    const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
    tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).dispose();
    const runs = 5;
    const t = performance.now();
    for (let i = 0; i < runs; i++) tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).dataSync();
    best = Math.max(best, (2 * m * k * n * runs) / ((performance.now() - t) / 1000) / 1e9);
    tf.dispose([a, b]);
  }
  return best;
}

/** numpy's float32 matmul (its BLAS, every core), or undefined without python3 and numpy. */
function blasGflops(): number | undefined {
  const script =
    'import numpy as np, time\nn=2048\na=np.random.rand(n,n).astype(np.float32)\nb=np.random.rand(n,n).astype(np.float32)\na@b\nt=time.perf_counter()\nfor _ in range(5): a@b\nprint(2*n**3*5/(time.perf_counter()-t)/1e9)';
  try {
    return Number(execFileSync('python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

async function tokensPerSecond(c: Case): Promise<{ tokensPerSec: number; rowsPerPass: number; params: number; config: GPTConfig }> {
  if (!(await tf.setBackend(c.backend))) throw new Error(`the ${c.backend} backend did not start`);
  const config = presets[c.preset];
  const model = new GPT(config);
  const T = config.blockSize;
  const rowsPerPass =
    c.backend === 'wasm'
      ? Math.min(rowsWithin(await measurePassMemory(model), WASM_PASS_BUDGET), Math.ceil(c.batch / c.threads))
      : Math.ceil(c.batch / c.threads);
  const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), { lr: 1e-3, betas: [0.9, 0.99] });
  const group = await DataParallel.start(model, { threads: c.threads, maxRows: rowsPerPass });
  const ids = (seed: number) => Int32Array.from({ length: c.batch * T }, (_, i) => (i * 7 + seed) % config.vocabSize);
  const batch = new Batch(ids(0), ids(1), c.batch, T);
  try {
    if (c.steps > 1) await group.step([batch], optimizer);
    const t = performance.now();
    for (let i = 0; i < c.steps; i++) await group.step([batch], optimizer);
    const seconds = (performance.now() - t) / 1000;
    return { tokensPerSec: (c.batch * T * c.steps) / seconds, rowsPerPass, params: model.numParams(), config };
  } finally {
    await group.close();
    optimizer.dispose();
    model.dispose();
  }
}

export const trainingSuite: Suite = {
  name: 'training',
  async run(): Promise<Table[]> {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    const wasm = wasmMatMulGflops();
    const blas = blasGflops();
    console.error(`  reference: wasm 2-D matMul ${wasm.toFixed(1)} GFLOP/s, BLAS ${blas?.toFixed(1) ?? 'n/a'} GFLOP/s`);
    const table: Table = {
      title: 'Training steps per preset, backend and thread count',
      note:
        'One optimizer step (forward, backward, clipping, AdamW) through DataParallel, as `scratchgpt train --workers N` runs it; ' +
        'shakespeareCharCpu: mean of 5 steps after a warm-up; cpu and shakespeareChar: one step. Rows/pass: rows of one forward + backward pass ' +
        "in a thread (wasm: what fits its 3 GB pass budget; more are accumulated). Model GFLOP/s: tokens/s × (6·params + 12·L·C·T), nanoGPT's estimate. " +
        `References measured in the same run: the wasm backend's best plain 2-D matMul on one thread (${wasm.toFixed(1)} GFLOP/s) and numpy's BLAS on every core (${blas === undefined ? 'not available' : `${blas.toFixed(1)} GFLOP/s`}).`,
      columns: ['preset', 'batch', 'backend', 'threads', 'rows/pass', 'tokens/s', 'model GFLOP/s', 'of wasm matMul (1 thread)', 'of BLAS'],
      rows: [],
    };
    for (const c of CASES) {
      const r = await tokensPerSecond(c);
      const gflops = (r.tokensPerSec * flopsPerToken(r.config, r.params)) / 1e9;
      console.error(`  ${c.preset} ${c.backend} ×${c.threads}: ${r.tokensPerSec.toFixed(0)} tokens/s, ${gflops.toFixed(2)} GFLOP/s`);
      table.rows.push([
        c.preset,
        `${c.batch} × ${r.config.blockSize}`,
        c.backend,
        c.threads,
        r.rowsPerPass,
        r.tokensPerSec.toFixed(0),
        gflops.toFixed(2),
        `${((gflops / wasm) * 100).toFixed(0)}%`,
        blas === undefined ? 'n/a' : `${((gflops / blas) * 100).toFixed(1)}%`,
      ]);
    }
    await tf.setBackend('wasm');
    return [table];
  },
};
