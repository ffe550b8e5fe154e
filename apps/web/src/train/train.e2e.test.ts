// The Train and Compare views in a real browser (Debian's Chromium, headless): a tiny model trains
// on webgpu and wasm and its loss falls; a reload resumes at the saved step; a checkpoint made in
// the page samples and resumes in the CLI, and a CLI checkpoint resumes in the page, with the
// losses of one uninterrupted CLI run (1e-5, wasm, one thread); bad input is named on the page;
// a backend that fails mid-run falls back and says so; two runs compare in bits per character.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { resolveDataset } from '@scratchgpt/data/node';
import { readCheckpoint, type Metric } from '@scratchgpt/train';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIST, downloadCheckpoint, launch, serve, trainIn, trainStatus, trainUrl, waitForTrainState } from '../../e2e/harness';

const root = join(import.meta.dirname, '../../../..');
const cli = join(root, 'apps/trainer/dist/cli.js');
const artifacts = join(root, '.cache/artifacts');
const scratchgpt = async (args: string[]) => (await promisify(execFile)('node', [cli, ...args], { maxBuffer: 1 << 24 })).stdout;

/** One tiny recipe for the page (form field ids) and the CLI (flags): the same run either way. */
const TINY = {
  'n-layer': 1,
  'n-head': 2,
  'n-embd': 32,
  'block-size': 32,
  'batch-size': 8,
  'max-iters': 30,
  'eval-interval': 10,
  'eval-iters': 2,
  lr: '5e-3',
  'warmup-iters': 0,
  'sample-tokens': 40,
  seed: 1337,
} as const;
const FLAGS = Object.entries(TINY).flatMap(([k, v]) => [`--${k}`, String(v)]);
const PAGE = { 'corpus-kind': 'shakespeare', tokenizer: 'char', attention: 'fused', preset: 'shakespeare-char-cpu', ...TINY };
const TOLERANCE = 1e-5;

const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-train-e2e-'));
let server: Awaited<ReturnType<typeof serve>>;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
/** The CLI's uninterrupted run (wasm, one thread): its loss at every step. */
let reference: Map<number, number>;

const stepLosses = (metrics: readonly Metric[]) => new Map(metrics.filter((m) => m.valLoss === undefined).map((m) => [m.step, m.loss]));
const metricsOf = (bytes: Uint8Array) => readCheckpoint(bytes).state.training!.metrics;
const jsonl = (path: string): Metric[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Metric);

/** Every step of `losses` from `from` on has the reference's loss (1e-5); returns how many were compared. */
function expectReferenceLosses(losses: Map<number, number>, from: number): number {
  let compared = 0;
  for (const [step, loss] of losses) {
    if (step < from) continue;
    expect(reference.has(step), `step ${step} is in the reference run`).toBe(true);
    expect(Math.abs(loss - reference.get(step)!), `loss at step ${step}: ${loss} vs the CLI's ${reference.get(step)}`).toBeLessThan(
      TOLERANCE,
    );
    compared++;
  }
  return compared;
}

beforeAll(async () => {
  // 1. The reference: the CLI trains the tiny recipe on Tiny Shakespeare, uninterrupted.
  const run = join(dir, 'reference');
  await scratchgpt(['train', '--data', 'shakespeare', '--out', run, ...FLAGS, '--backend', 'wasm', '--workers', '1']);
  reference = stepLosses(jsonl(join(run, 'metrics.jsonl')));
  expect(reference.size).toBe(TINY['max-iters']);
  // 2. The built app, with Tiny Shakespeare served beside it (as a self-hosted copy would be).
  const data = dirname(await resolveDataset('shakespeare'));
  server = await serve({ '/': APP_DIST, '/datasets/': data });
  browser = await launch();
  page = await browser.context.newPage();
  mkdirSync(artifacts, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('training in Chromium', () => {
  for (const backend of ['webgpu', 'wasm']) {
    it(`trains 30 steps on ${backend} and the loss falls`, async () => {
      const status = await trainIn(page, server.url, { ...PAGE, backend, 'run-name': `tiny ${backend}` });
      expect(status.backend).toBe(backend); // no silent fallback
      expect(status.step).toBe(30);
      expect(status.lastLoss).toBeLessThan(status.firstLoss - 0.5);
      expect(status.tokensPerSec).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid="sample"]')).toMatch(/\S/);
      expect(await page.getAttribute('[data-testid="attention"]', 'data-state')).toBe('drawn');
      expect(Number(await page.getAttribute('[data-testid="loss-chart"]', 'data-points'))).toBeGreaterThanOrEqual(30);
      console.log(`browser training ${backend}: ${status.tokensPerSec} tokens/s, loss ${status.firstLoss} → ${status.lastLoss}`);
      if (backend === 'wasm') {
        // The page's run is the CLI's run: the same loss at every step.
        const bytes = await downloadCheckpoint(page, status.runId);
        expect(expectReferenceLosses(stepLosses(metricsOf(bytes)), 1)).toBe(30);
      }
      await page.screenshot({ path: join(artifacts, `train-${backend}.png`), fullPage: true });
    }, 400_000);
  }

  it('stops, and after a reload resumes at the saved step; the CLI then samples and resumes the downloaded checkpoint', async () => {
    await page.goto(trainUrl(server.url, { ...PAGE, backend: 'wasm', 'run-name': 'stopped' }));
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('[data-testid="start"]');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >= 12,
      null,
      {
        timeout: 300_000,
      },
    );
    await page.click('[data-testid="stop"]');
    const stopped = await waitForTrainState(page, ['done']);
    expect(stopped.step).toBeGreaterThanOrEqual(12);
    expect(stopped.step).toBeLessThan(30);
    // 1. A reload: the run is listed at its saved step, and resumes there.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const row = `[data-testid="run-row"][data-run-id="${stopped.runId}"]`;
    expect(Number(await page.getAttribute(row, 'data-step'))).toBe(stopped.step);
    const saved = await downloadCheckpoint(page, stopped.runId);
    await page.click(`${row} [data-testid="resume"]`);
    await page.waitForSelector('[data-testid="train-status"][data-start-step]', { timeout: 60_000 });
    expect((await trainStatus(page)).startStep).toBe(stopped.step);
    await page.click('[data-testid="stop"]');
    await waitForTrainState(page, ['done']);
    // 2. The downloaded checkpoint in the CLI: it samples, and resumes to the end with the reference's losses.
    const run = join(dir, 'from-browser');
    mkdirSync(run);
    writeFileSync(join(run, 'ckpt.safetensors'), saved);
    expect(expectReferenceLosses(stepLosses(metricsOf(saved)), 1)).toBe(stopped.step);
    expect(await scratchgpt(['sample', '--run', run, '--max-new-tokens', '20', '--backend', 'wasm'])).toMatch(/\S/);
    await scratchgpt(['train', '--out', run, '--resume', '--backend', 'wasm', '--workers', '1']);
    const resumed = stepLosses(jsonl(join(run, 'metrics.jsonl')));
    expect(Math.max(...resumed.keys())).toBe(30);
    expect(expectReferenceLosses(resumed, stopped.step + 1)).toBe(30 - stopped.step);
  }, 600_000);

  it('resumes a CLI checkpoint in the page with the losses of the uninterrupted run', async () => {
    const run = join(dir, 'from-cli');
    await scratchgpt([
      'train',
      '--data',
      'shakespeare',
      '--out',
      run,
      ...FLAGS,
      '--max-iters',
      '15', // the schedule is the preset's lrDecayIters either way: the same steps as the 30-step run
      '--backend',
      'wasm',
      '--workers',
      '1',
    ]);
    await page.goto(trainUrl(server.url, { backend: 'wasm' }));
    await page.waitForSelector('body[data-ready="true"]');
    const ids = () => page.$$eval('[data-testid="run-row"]', (rows) => rows.map((r) => r.getAttribute('data-run-id')));
    const before = await ids();
    await page.setInputFiles('[data-testid="import-checkpoint"]', join(run, 'ckpt.safetensors'));
    await page.click('[data-testid="import"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length > n, before.length, { timeout: 60_000 });
    const id = (await ids()).find((i) => !before.includes(i))!;
    expect(Number(await page.getAttribute(`[data-testid="run-row"][data-run-id="${id}"]`, 'data-step'))).toBe(15);
    await page.fill(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="resume-max-iters"]`, '30');
    await page.click(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="resume"]`);
    const status = await waitForTrainState(page, ['done', 'error'], 300_000);
    expect(status.error).toBe('');
    expect(status.startStep).toBe(15);
    expect(status.step).toBe(30);
    const losses = stepLosses(metricsOf(await downloadCheckpoint(page, id)));
    expect(expectReferenceLosses(losses, 16)).toBe(15);
  }, 600_000);

  it('falls back when the backend fails mid-run, says so, and finishes from the checkpoint', async () => {
    const status = await trainIn(page, server.url, { ...PAGE, backend: 'webgpu', 'max-iters': 16, 'eval-interval': 5, 'fail-at-step': 7 });
    expect(status.backend).toBe('wasm');
    expect(status.step).toBe(16);
    expect(await page.textContent('[data-testid="notice"]')).toMatch(/webgpu.*step 7.*wasm/s);
  }, 400_000);

  it('names bad input on the page and keeps going', async () => {
    const say = async (params: Record<string, string | number>, setup?: () => Promise<void>) => {
      await page.goto(trainUrl(server.url, { ...PAGE, backend: 'cpu', ...params }));
      await page.waitForSelector('body[data-ready="true"]');
      await setup?.();
      await page.click('[data-testid="start"]');
      const status = await waitForTrainState(page, ['error', 'done'], 120_000);
      expect(status.state).toBe('error');
      return status.error;
    };
    // 1. Too short for the block, an empty file, a binary file, a tokenizer the text cannot give.
    expect(await say({ 'corpus-kind': 'text' }, () => page.fill('[data-testid="corpus-text"]', 'To be, or not to be.'))).toMatch(
      /too short.*block/is,
    );
    const file = (name: string, bytes: Uint8Array) => async () => {
      await page.selectOption('[data-testid="corpus-kind"]', 'file');
      await page.setInputFiles('[data-testid="corpus-file"]', { name, mimeType: 'text/plain', buffer: Buffer.from(bytes) });
    };
    expect(await say({}, file('empty.txt', new Uint8Array()))).toMatch(/empty\.txt.*empty/i);
    expect(await say({}, file('model.bin', Uint8Array.from([104, 105, 0, 1, 2, 3])))).toMatch(/model\.bin.*binary/i);
    expect(await say({ tokenizer: 'bpe:70000' })).toMatch(/too few adjacent pairs.*vocabSize of at most/);
    expect(await say({ tokenizer: 'tiktoken:o200k_base', 'n-embd': 4096, 'n-head': 2 })).toMatch(
      /parameters, more than the .* the page builds.*tiktoken:o200k_base tokenizer's 200,019 ids × n-embd 4096.*smaller n-embd/,
    );
    // 2. The page still trains afterwards.
    expect(await page.isVisible('[data-testid="start"]')).toBe(true);
  }, 300_000);

  it('says when storage is full, and keeps what was stored', async () => {
    await page.goto(trainUrl(server.url, { ...PAGE, backend: 'cpu', 'max-iters': 12, 'eval-interval': 5, 'run-name': 'no room' }));
    await page.waitForSelector('body[data-ready="true"]');
    // Room for the run's settings, not for its first checkpoint (a real quota error, set through the DevTools protocol).
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: usage + 64 * 1024 });
    try {
      await page.click('[data-testid="start"]');
      const status = await waitForTrainState(page, ['error', 'done'], 120_000);
      expect(status.state).toBe('error');
      expect(status.error).toMatch(/storage.*full/i);
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.$$('[data-testid="run-row"]')).not.toHaveLength(0); // the other runs are still there
      // The run that found no room is listed without a checkpoint, and no empty file stands in for one.
      expect(await page.getAttribute(`[data-testid="run-row"][data-run-id="${status.runId}"]`, 'data-step')).toBe('0');
      const stored = await page.evaluate(async (id) => {
        const runs = await (await navigator.storage.getDirectory()).getDirectoryHandle('runs');
        const names: string[] = [];
        const dir = (await runs.getDirectoryHandle(id)) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };
        for await (const name of dir.keys()) names.push(name);
        return names;
      }, status.runId);
      expect(stored).toEqual(['run.json']);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url });
    }
  }, 300_000);

  it('compares two runs in bits per character', async () => {
    await trainIn(page, server.url, {
      ...PAGE,
      backend: 'wasm',
      tokenizer: 'bpe:300',
      'max-iters': 10,
      'eval-interval': 5,
      'run-name': 'tiny bpe',
    });
    await page.goto(`${server.url}/compare.html`);
    await page.waitForSelector('body[data-ready="true"]');
    const boxes = await page.$$('[data-testid="compare-run"]');
    expect(boxes.length).toBeGreaterThanOrEqual(2);
    for (const box of boxes) await box.check();
    expect(Number(await page.getAttribute('[data-testid="compare-chart"]', 'data-points'))).toBeGreaterThan(0);
    await page.click('[data-testid="measure"]');
    await page.waitForSelector('[data-testid="compare-table"][data-state="measured"]', { timeout: 300_000 });
    const table = (await page.textContent('[data-testid="compare-table"]')) ?? '';
    expect(table).toContain('bpe:300');
    expect(table).toContain('char');
    expect(table).toMatch(/bits\/char/);
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });
  }, 600_000);
});
