// The training worker's logic in Node, on a tiny model: runs start, stop, resume exactly, survive a
// backend that fails mid-run, move both ways between the page and `scratchgpt train` (the built
// CLI, run as a user runs it), are measured as `scratchgpt compare` measures, and fail in words.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GPT } from '@scratchgpt/model';
import { loadTokenizer, type TokenizerJSON } from '@scratchgpt/tokenizers';
import {
  encodeSplits,
  measureText,
  memoryCheckpoints,
  readCheckpoint,
  restoreCheckpoint,
  runExtraOf,
  train,
  type Metric,
} from '@scratchgpt/train';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorpusSource, Report, Request, RunInfo, RunSpec } from './protocol';
import { TrainSession, type BackendStarter } from './session';
import { memoryStore, StorageFullError, type RunStore } from './store';

const cli = join(import.meta.dirname, '../../../trainer/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-web-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = 'ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n\n'.repeat(30);
const CORPUS: CorpusSource = { kind: 'file', name: 'corpus.txt', bytes: new TextEncoder().encode(TEXT).buffer as ArrayBuffer };
writeFileSync(join(dir, 'corpus.txt'), TEXT);

/** A tiny model and recipe (seconds a run); the CLI gets the same as flags. */
const MODEL = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16 };
const TRAIN = { batchSize: 4, maxIters: 6, evalInterval: 3, evalIters: 1, sampleTokens: 8, lr: 1e-2, warmupIters: 0 };
const FLAGS =
  '--preset shakespeare-char-cpu --n-layer 1 --n-head 2 --n-embd 16 --block-size 16 --batch-size 4 --eval-interval 3 --eval-iters 1 --sample-tokens 8 --lr 1e-2 --warmup-iters 0 --backend cpu --workers 1';
const spec = (over: Partial<RunSpec> = {}): RunSpec => ({
  name: 'tiny',
  corpus: CORPUS,
  tokenizer: 'char',
  preset: 'shakespeare-char-cpu',
  model: MODEL,
  train: TRAIN,
  ...over,
});

/** Starts backends as backend.ts does, on Node's: `choice`, then the rest of `order`. */
const startBackend: BackendStarter = async (choice, order) => {
  const failed: string[] = [];
  for (const name of choice === 'auto' ? order : [choice, ...order.filter((b) => b !== choice)]) {
    if (await tf.setBackend(name)) return { name, note: failed.length ? `${failed.join('; ')}; fell back` : 'as asked' };
    failed.push(`${name} did not start`);
  }
  throw new Error('no backend started');
};

/** A session over `store` that records its reports; `onReport` may steer it (stop, pause) as a page would. */
function session(store: RunStore = memoryStore(), options: { order?: string[]; onReport?: (r: Report, s: TrainSession) => void } = {}) {
  const reports: Report[] = [];
  const s: TrainSession = new TrainSession({
    store,
    order: options.order ?? ['cpu'],
    startBackend,
    post: (report) => {
      reports.push(report);
      options.onReport?.(report, s);
    },
  });
  const of = <T extends Report['type']>(type: T) => reports.filter((r): r is Extract<Report, { type: T }> => r.type === type);
  const errors = () => of('error').map((e) => e.message);
  return { session: s, store, reports, of, errors, handle: (request: Request) => s.handle(request) };
}

const losses = (metrics: Metric[]) => metrics.map((m) => [m.step, m.loss, m.valLoss ?? null] as const);
/** Same steps, and every loss within `tolerance`. */
function expectSameLosses(a: Metric[], b: Metric[], tolerance: number): void {
  const [x, y] = [losses(a), losses(b)];
  expect(y.map((m) => m[0])).toEqual(x.map((m) => m[0]));
  for (const [i, m] of x.entries())
    for (const j of [1, 2] as const) expect(Math.abs((m[j] ?? 0) - (y[i]![j] ?? 0)), `step ${m[0]}`).toBeLessThan(tolerance);
}

/** The uninterrupted page run every other run is checked against (trained once). */
let straight: { store: ReturnType<typeof memoryStore>; info: RunInfo; reports: Report[] } | undefined;
async function straightRun() {
  if (straight) return straight;
  const t = session();
  await t.handle({ type: 'start', spec: spec(), backend: 'cpu' });
  expect(t.errors()).toEqual([]);
  straight = { store: t.store as ReturnType<typeof memoryStore>, info: t.of('done')[0]!.run, reports: t.reports };
  return straight;
}

const scratchgpt = async (args: string[]) => {
  try {
    return await promisify(execFile)('node', [cli, ...args], { cwd: dir, maxBuffer: 1 << 24 });
  } catch (error) {
    throw new Error(`scratchgpt ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? error}`);
  }
};
const cliMetrics = (out: string): Metric[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Metric);

describe('TrainSession', () => {
  it('starts a run: stores it before the first step, reports steps, evaluations, samples, attention and checkpoints, and ends finished', async () => {
    const { store, info, reports } = await straightRun();
    const types = reports.map((r) => r.type).filter((t) => t !== 'status');
    expect(types.slice(0, 3)).toEqual(['backend', 'run', 'started']);
    expect(types.at(-1)).toBe('done');
    const steps = reports.filter((r) => r.type === 'step');
    expect(steps.map((r) => r.metric.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.every((r) => r.smoothedTokensPerSec > 0 && r.etaSeconds >= 0)).toBe(true);
    expect(reports.filter((r) => r.type === 'eval').map((r) => r.metric.step)).toEqual([0, 3, 6]);
    expect(reports.filter((r) => r.type === 'checkpoint').map((r) => r.step)).toEqual([3, 6]);
    const samples = reports.filter((r) => r.type === 'sample');
    expect(samples.map((r) => r.step)).toEqual([0, 3, 6]);
    expect(samples.every((r) => r.text.length > 1 && r.text.startsWith('\n'))).toBe(true); // decoded, from a newline as the CLI
    const attention = reports.filter((r) => r.type === 'attention');
    expect(attention).toHaveLength(3);
    const last = attention.at(-1)!;
    expect([last.layer, last.head, last.nLayer, last.nHead, last.labels.length]).toEqual([0, 0, 1, 2, 9]);
    for (const row of last.weights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // Stored: the record, the text (by its sha256) and the checkpoint of the last step, with the CLI's run settings.
    expect(info).toMatchObject({ name: 'tiny', step: 6, finished: true, backend: 'cpu', preset: 'shakespeare-char-cpu' });
    expect(info.tokenizer).toEqual({ name: 'char', vocabSize: new Set(TEXT).size });
    expect(info.metrics.length).toBe(9);
    expect(await store.list()).toEqual([info]);
    expect(await store.loadCorpus(info.corpus.sha256)).toBe(TEXT);
    const { state } = readCheckpoint((await store.loadCheckpoint(info.id))!);
    expect(state.step).toBe(6);
    expect(runExtraOf(state)).toEqual({ preset: 'shakespeare-char-cpu', data: { path: 'corpus.txt', sha256: info.corpus.sha256 } });
  });

  it('stops after a step with a checkpoint, pauses and continues, and resumes to the losses of the uninterrupted run (1e-6)', async () => {
    const { info: full } = await straightRun();
    let asked = false;
    const t = session(memoryStore(), {
      onReport: (r, s) => {
        if (r.type === 'step' && r.metric.step === 2) void s.handle({ type: 'stop' });
      },
    });
    await t.handle({ type: 'start', spec: spec(), backend: 'cpu' });
    const stopped = t.of('done')[0]!;
    expect([stopped.step, stopped.interrupted, stopped.run.step, stopped.run.finished]).toEqual([2, true, 2, false]);
    expect(t.of('checkpoint').map((r) => r.step)).toEqual([2]);
    // Resume, pausing at step 4: the page asks for another head while paused, then continues.
    const r = session(t.store, {
      onReport: (report, s) => {
        if (report.type === 'step' && report.metric.step === 4 && !asked) {
          asked = true;
          void s.handle({ type: 'pause' });
        }
        if (report.type === 'paused') void s.handle({ type: 'attention', layer: 0, head: 1 }).then(() => s.handle({ type: 'continue' }));
      },
    });
    await r.handle({ type: 'resume', id: stopped.id, backend: 'cpu' });
    expect(r.errors()).toEqual([]);
    expect(r.of('started')[0]).toMatchObject({ step: 2, maxIters: 6, resumed: true });
    expect(r.of('paused')).toEqual([{ type: 'paused', id: stopped.id, step: 4 }]);
    const types = r.reports.map((x) => x.type);
    expect(types.indexOf('attention', types.indexOf('paused'))).toBeLessThan(types.indexOf('continued'));
    expect(r.of('attention').find((a) => a.head === 1)).toBeDefined();
    const done = r.of('done')[0]!;
    expect([done.step, done.interrupted, done.run.finished]).toEqual([6, false, true]);
    expectSameLosses(full.metrics, done.run.metrics, 1e-6);
    // And further: maxIters 8 through resumeConfig.
    const more = session(t.store);
    await more.handle({ type: 'resume', id: stopped.id, backend: 'cpu', maxIters: 8 });
    expect(more.of('done')[0]).toMatchObject({ step: 8, interrupted: false });
    expect(more.of('done')[0]!.run.train.maxIters).toBe(8);
  });

  it('refuses a second start while a run trains, and steering with no run', async () => {
    const t = session(memoryStore(), {
      onReport: (r, s) => {
        if (r.type === 'started') void s.handle({ type: 'start', spec: spec(), backend: 'cpu' });
      },
    });
    await t.handle({ type: 'stop' });
    await t.handle({ type: 'start', spec: spec(), backend: 'cpu' });
    expect(t.errors()).toEqual(['No run is training, so there is nothing to stop.', 'A run is already training; stop it first.']);
    expect(t.of('done')).toHaveLength(1);
  });

  it('goes on on the next backend from the last checkpoint when the first fails mid-run (?fail-at-step), or from the start before one', async () => {
    const { info: full } = await straightRun();
    for (const [failAt, from] of [
      [5, 3],
      [2, 0],
    ] as const) {
      const t = session(memoryStore(), { order: ['wasm', 'cpu'] });
      await t.handle({ type: 'start', spec: spec(), backend: 'auto', debug: { failAtStep: failAt } });
      expect(t.errors()).toEqual([]);
      expect(t.of('backend').map((b) => b.name)).toEqual(['wasm', 'cpu']);
      expect(t.of('fallback')).toEqual([
        {
          type: 'fallback',
          id: t.of('run')[0]!.run.id,
          from: 'wasm',
          to: 'cpu',
          reason: `injected backend failure at step ${failAt} (test hook ?fail-at-step)`,
          step: from,
        },
      ]);
      expect(t.of('started').map((s) => s.step)).toEqual([0, from]);
      const done = t.of('done')[0]!;
      expect([done.step, done.interrupted, done.run.backend]).toEqual([6, false, 'cpu']);
      expectSameLosses(full.metrics, done.run.metrics, 1e-3); // wasm then cpu: the same run to float rounding
    }
  });

  it('measures stored runs as `scratchgpt compare` does: the whole val split, bits per character', async () => {
    const { store, info } = await straightRun();
    const t = session(store);
    await t.handle({ type: 'measure', ids: [info.id, 'no-such-run'], backend: 'cpu' });
    expect(t.errors()).toEqual(["No run no-such-run in this browser's storage; it cannot be measured."]);
    const [row] = t.of('measured')[0]!.rows;
    const { model, optimizer, state } = restoreCheckpoint((await store.loadCheckpoint(info.id))!);
    const tokenizer = loadTokenizer(state.tokenizer as TokenizerJSON);
    const val = await measureText(model, tokenizer, encodeSplits(TEXT, tokenizer, 16, 'corpus.txt').val, 4);
    model.dispose();
    optimizer.dispose();
    expect(row).toMatchObject({
      id: info.id,
      tokenizer: 'char',
      attention: 'fused',
      blockTokens: 16,
      steps: 6,
      valBitsPerChar: val.bitsPerChar,
      valLossPerToken: val.valLoss,
      valTokens: val.tokens,
      valChars: val.chars,
      backend: 'cpu',
    });
    expect(row!.charsPerSec).toBeCloseTo(row!.tokensPerSec * row!.charsPerToken, 6);
    expect(info.valTokensPerChar).toBeCloseTo(val.tokens / val.chars, 12);
  });

  it('resumes a checkpoint of `scratchgpt train` in the page, and a page checkpoint with `scratchgpt train --resume`, to the same losses (1e-5)', async () => {
    const { info: full } = await straightRun();
    // 1. CLI → page: 3 steps by the CLI, imported with its text, 3 more in the page.
    const cliRun = join(dir, 'cli-run');
    await scratchgpt(['train', '--data', 'corpus.txt', ...FLAGS.split(' '), '--max-iters', '3', '--out', cliRun]);
    const t = session();
    const checkpoint = readFileSync(join(cliRun, 'ckpt.safetensors'));
    await t.handle({ type: 'import', name: 'from the CLI', checkpoint: new Uint8Array(checkpoint).buffer });
    expect(t.errors()).toEqual([
      `The checkpoint was trained on ${join(dir, 'corpus.txt')} (sha256 ${full.corpus.sha256.slice(0, 12)}…), not Tiny Shakespeare: pick that text too, unchanged, to import it.`,
    ]);
    await t.handle({ type: 'import', name: 'from the CLI', checkpoint: new Uint8Array(checkpoint).buffer, corpus: CORPUS });
    const imported = t.of('run')[0]!.run;
    expect(imported).toMatchObject({
      name: 'from the CLI (imported: char, step 3)',
      step: 3,
      finished: true,
      preset: 'shakespeare-char-cpu',
      corpus: full.corpus,
    });
    await t.handle({ type: 'resume', id: imported.id, backend: 'cpu', maxIters: 6 });
    expect(t.errors()).toHaveLength(1);
    expectSameLosses(full.metrics, t.of('done')[0]!.run.metrics, 1e-5);
    // 2. Page → CLI: the checkpoint of a page run stopped after its first one (at step 4), downloaded into a run directory.
    const s = session(memoryStore(), { onReport: (r, x) => void (r.type === 'checkpoint' && x.handle({ type: 'stop' })) });
    await s.handle({ type: 'start', spec: spec(), backend: 'cpu' });
    const pageRun = join(dir, 'page-run');
    mkdirSync(pageRun);
    writeFileSync(join(pageRun, 'ckpt.safetensors'), (await s.store.loadCheckpoint(s.of('done')[0]!.id))!);
    await scratchgpt(['train', '--out', pageRun, '--resume', '--backend', 'cpu', '--workers', '1']);
    expect(s.of('done')[0]!.step).toBe(4);
    expectSameLosses(full.metrics, cliMetrics(pageRun), 1e-5); // the page's steps 1-4 (kept in the checkpoint), the CLI's 5-6
  }, 120_000);

  it('imports only checkpoints of scratchgpt train, and says why not', async () => {
    const t = session();
    await t.handle({ type: 'import', name: 'x', checkpoint: new TextEncoder().encode('not a checkpoint at all').buffer as ArrayBuffer });
    expect(t.errors()[0]).toMatch(/^The file is not a scratchgpt checkpoint: not a readable checkpoint/);
    // A checkpoint of a loop of one's own: no run settings in it.
    await tf.setBackend('cpu');
    const model = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8, dropout: 0, bias: true }, { seed: 1 });
    const ids = Int32Array.from({ length: 64 }, (_, i) => i % 5);
    const store = memoryCheckpoints();
    await train(model, {
      data: { train: ids, val: ids },
      config: { batchSize: 2, maxIters: 1, evalIters: 1, lr: 1e-3 },
      checkpoints: store,
    });
    model.dispose();
    await t.handle({ type: 'import', name: 'x', checkpoint: store.bytes!.slice().buffer });
    expect(t.errors()[1]).toBe(
      'The file is a checkpoint, but not one written by scratchgpt train (no run settings in it); it cannot be trained on here.',
    );
    expect(await t.store.list()).toEqual([]);
  });

  it('says what is wrong with a text too short for the block, a bad setting or a tokenizer, and stores nothing', async () => {
    const t = session();
    await t.handle({ type: 'start', spec: spec({ corpus: { kind: 'text', text: 'Too short a text to train on.' } }), backend: 'cpu' });
    await t.handle({ type: 'start', spec: spec({ train: { ...TRAIN, batchSize: 0 } }), backend: 'cpu' });
    await t.handle({ type: 'start', spec: spec({ model: { ...MODEL, nEmbd: 15 } }), backend: 'cpu' });
    await t.handle({ type: 'start', spec: spec({ tokenizer: 'bpe:x' }), backend: 'cpu' });
    await t.handle({ type: 'start', spec: spec({ preset: 'gpt-5' }), backend: 'cpu' });
    await t.handle({ type: 'start', spec: spec({ model: { ...MODEL, nLayer: 48, nEmbd: 4096 } }), backend: 'cpu' });
    const [short, batch, width, tokenizer, preset, large] = t.errors();
    expect(short).toMatch(
      /^pasted text is too short: its last 10% \(the val split\) is 3 tokens \(char\), and a block needs blockSize \+ 1 = 17\. Use a text of roughly \d+ characters or more, or a smaller block size\.$/,
    );
    expect(batch).toBe('Invalid training setting: "batch-size" must be a positive integer, got 0.');
    expect(width).toBe('Invalid model setting: "n-embd" (15) must be divisible by "n-head" (2); try "n-embd" = 16.');
    expect(tokenizer).toMatch(/^Unknown tokenizer "bpe:x"/);
    expect(preset).toBe('Unknown preset "gpt-5"; use one of shakespeare-char-cpu, shakespeare-char.');
    expect(large).toMatch(
      /^This model would have [\d,]+ parameters, more than the 500,000,000 the page builds .*Choose a smaller n-embd or n-layer/,
    );
    expect(await t.store.list()).toEqual([]);
  });

  it('stops in words when the storage is full, keeping the last checkpoint saved, and resumes from it once there is room', async () => {
    const quota: { quotaBytes?: number } = {};
    const store = memoryStore(quota);
    const t = session(store, {
      onReport: (r) => {
        // Full from the first checkpoint on: the next one is larger (it holds more metrics).
        if (r.type === 'checkpoint') quota.quotaBytes = [...store.files.values()].reduce((n, b) => n + b.length, 0);
      },
    });
    await t.handle({ type: 'start', spec: spec(), backend: 'cpu' });
    const id = t.of('run')[0]!.run.id;
    const [error] = t.of('error');
    expect(error!.message).toMatch(
      /^The browser's storage for this page is full: the checkpoint of run "tiny" at step 6 \(\d+ kB\) was not saved\. The last saved checkpoint \(step 3\) is kept\. Free some space \(delete runs in the list, or download this one and then delete it\), then resume\.$/,
    );
    expect(error!.kept).toBe('The last saved checkpoint (step 3) is kept.');
    expect(t.of('done')).toEqual([]);
    expect(readCheckpoint((await store.loadCheckpoint(id))!).state.step).toBe(3);
    expect((await store.info(id))!.step).toBe(3);
    quota.quotaBytes = undefined;
    const r = session(store);
    await r.handle({ type: 'resume', id, backend: 'cpu' });
    expect(r.of('done')[0]).toMatchObject({ step: 6, interrupted: false });
    expectSameLosses((await straightRun()).info.metrics, r.of('done')[0]!.run.metrics, 1e-6);
  });
});

describe('memoryStore', () => {
  it('turns a full storage into a StorageFullError and keeps the old file', async () => {
    const store = memoryStore({ quotaBytes: 100 });
    await store.saveCheckpoint('run-1', new Uint8Array(60), 3);
    const error = await store.saveCheckpoint('run-1', new Uint8Array(120), 6).catch((e: Error) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toContain('the checkpoint of run "run-1" at step 6 (1 kB) was not saved');
    expect((await store.loadCheckpoint('run-1'))!.length).toBe(60);
  });

  it('refuses ids and hashes that are not plain names', async () => {
    const store = memoryStore();
    await expect(store.loadCheckpoint('../x')).rejects.toThrow('"../x" is not a run id');
    await expect(store.loadCorpus('abc')).rejects.toThrow('"abc" is not a sha256');
  });
});
