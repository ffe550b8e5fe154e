// Reads a `scratchgpt train` run's metrics.jsonl and nanoGPT's train.py log, and writes
// gpu-machine.json and gpu-machine.md: tokens/s (median step) and the val losses each reached,
// with the time they took. Used by run.sh; plain Node, no dependencies.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const [metricsPath, nanoLog, adapter, outDir] = process.argv.slice(2);
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
const TOKENS_PER_STEP = 64 * 256; // shakespeareChar: batch 64, block 256, in both

const metrics = existsSync(metricsPath)
  ? readFileSync(metricsPath, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const evals = metrics.filter((m) => m.valLoss !== undefined);
const ours = {
  steps: metrics.filter((m) => m.valLoss === undefined).length,
  tokensPerSec: median(metrics.filter((m) => m.valLoss === undefined && m.step > 1).map((m) => m.tokensPerSec)),
  evals: evals.map((m) => ({ step: m.step, valLoss: m.valLoss, trainSeconds: m.seconds })),
  bestVal: evals.length ? Math.min(...evals.map((m) => m.valLoss)) : null,
};

let nanogpt = null;
if (existsSync(nanoLog)) {
  const log = readFileSync(nanoLog, 'utf8');
  const iters = [...log.matchAll(/^iter (\d+): loss [\d.]+, time ([\d.]+)ms/gm)].map((m) => ({ iter: Number(m[1]), ms: Number(m[2]) }));
  const ms = median(iters.filter((i) => i.iter > 10).map((i) => i.ms));
  const evalsN = [...log.matchAll(/^step (\d+): train loss ([\d.]+), val loss ([\d.]+)/gm)].map((m) => ({
    step: Number(m[1]),
    valLoss: Number(m[3]),
  }));
  nanogpt = {
    steps: iters.at(-1)?.iter ?? 0,
    tokensPerSec: ms ? TOKENS_PER_STEP / (ms / 1000) : null,
    evals: evalsN.map((e) => ({ ...e, trainSeconds: ms ? (e.step * ms) / 1000 : null })),
    bestVal: evalsN.length ? Math.min(...evalsN.map((e) => e.valLoss)) : null,
  };
}

const ratio = ours.tokensPerSec && nanogpt?.tokensPerSec ? ours.tokensPerSec / nanogpt.tokensPerSec : null;
const result = {
  adapter,
  cpu: cpus()[0]?.model,
  date: new Date().toISOString(),
  ours,
  nanogpt,
  ratio,
  goals: { valAtMost: 1.47, minutes: 15, ratioAtLeast: 0.5 },
};
writeFileSync(join(outDir, 'gpu-machine.json'), `${JSON.stringify(result, null, 2)}\n`);
const f = (x, d = 0) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
const md = [
  '# GPU machine: shakespeareChar on webgpu against nanoGPT (PyTorch eager float32) on the same GPU',
  '',
  `${adapter}; ${result.date}. Written by bench/gpu-machine/run.sh. Goals (not a CI gate): val <= 1.47 within 15 min; webgpu tokens/s >= 0.5x PyTorch.`,
  '',
  '| trainer | steps | tokens/s (median step) | best val | train seconds to it |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| scratchgpt webgpu | ${ours.steps} | ${f(ours.tokensPerSec)} | ${f(ours.bestVal, 4)} | ${f(ours.evals.find((e) => e.valLoss === ours.bestVal)?.trainSeconds)} |`,
  `| nanoGPT PyTorch | ${nanogpt?.steps ?? 'not run'} | ${f(nanogpt?.tokensPerSec)} | ${f(nanogpt?.bestVal, 4)} | ${f(nanogpt?.evals.find((e) => e.valLoss === nanogpt?.bestVal)?.trainSeconds)} |`,
  '',
  `Ratio of tokens/s: ${ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`}.`,
  '',
].join('\n');
writeFileSync(join(outDir, 'gpu-machine.md'), md);
console.log(md);
