// The sampler in a real browser: a model trained and exported by the trainer CLI, generated
// greedily on webgpu, webgl, wasm and cpu, must give the text `scratchgpt sample` gives in Node.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShakespeare } from '../../../tests/shakespeare';
import { APP_DIST, generateIn, launch, serve } from '../e2e/harness';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'apps/trainer/dist/cli.js');
const artifacts = join(root, '.cache/artifacts');
const scratchgpt = async (args: string[]) => (await promisify(execFile)('node', [cli, ...args], { maxBuffer: 1 << 24 })).stdout;

const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-e2e-'));
const PROMPT = 'ROMEO:';
const TOKENS = 40;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let expected: string;

beforeAll(async () => {
  // 1. Train a small model on the start of Tiny Shakespeare and export it.
  const text = join(dir, 'text.txt');
  writeFileSync(text, (await readShakespeare()).slice(0, 60_000)); // as resolveDataset finds it, verified
  const run = join(dir, 'run');
  await scratchgpt([
    'train',
    '--data',
    text,
    '--out',
    run,
    '--n-layer',
    '2',
    '--n-head',
    '2',
    '--n-embd',
    '32',
    '--block-size',
    '32',
    '--batch-size',
    '8',
    '--max-iters',
    '120',
    '--eval-interval',
    '120',
    '--eval-iters',
    '2',
    '--lr',
    '5e-3',
    '--warmup-iters',
    '0',
    '--sample-tokens',
    '0',
    '--backend',
    'wasm',
  ]);
  await scratchgpt(['export', '--run', run, '--out', join(dir, 'export')]);
  // 2. The reference: Node's greedy sample (the prompt, the new text, a newline).
  expected = (
    await scratchgpt([
      'sample',
      '--run',
      run,
      '--prompt',
      PROMPT,
      '--max-new-tokens',
      String(TOKENS),
      '--temperature',
      '0',
      '--backend',
      'wasm',
    ])
  ).replace(/\n$/, '');
  // 3. A damaged copy of the export for the error case.
  cpSync(join(dir, 'export'), join(dir, 'damaged'), { recursive: true });
  writeFileSync(join(dir, 'damaged/tokenizer.json'), '{"format":"scratchgpt-tokenizer/1","type":"char","chars":["a"],"unk":false}');
  server = await serve({ '/': APP_DIST, '/model/': join(dir, 'export'), '/damaged/': join(dir, 'damaged') });
  browser = await launch();
  page = await browser.context.newPage();
  mkdirSync(artifacts, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the sampler in Chromium', () => {
  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
    it(`generates on ${backend} the greedy text Node gives`, async () => {
      const result = await generateIn(page, server.url, '/model/manifest.json', backend, PROMPT, TOKENS);
      expect(result.backend).toBe(backend); // no silent fallback
      expect(result.tokens).toBe(TOKENS);
      expect(result.text).toBe(expected);
      expect(result.tokensPerSec).toBeGreaterThan(0);
      if (backend === 'webgpu')
        expect(result.fusedPerToken).toBeGreaterThan(0); // LayerNorm and GELU run as scratchgpt's kernels
      else expect(result.dispatchesPerToken).toBe(0);
      expect(await page.getAttribute('[data-testid="attention"]', 'data-state')).toBe('drawn');
      expect(await page.textContent('[data-testid="model-info"]')).toContain('char (');
      console.log(
        `browser ${backend}: ${result.tokensPerSec} tokens/s${backend === 'webgpu' ? `, ${result.dispatchesPerToken} dispatches per token (${result.fusedPerToken} fused)` : ''}`,
      );
      await page.screenshot({ path: join(artifacts, `sampler-${backend}.png`), fullPage: true });
    }, 180_000);
  }

  it('stops a long generation at once, and stays responsive while generating', async () => {
    await page.goto(`${server.url}/?model=${encodeURIComponent('/model/manifest.json')}&backend=wasm`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#max-new-tokens', '100000');
    await page.click('[data-testid="generate"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="tokens-per-second"]')?.textContent) > 0);
    await page.fill('#seed', '42'); // the page takes input mid-generation
    await page.click('[data-testid="stop"]');
    await page.waitForSelector('[data-testid="output"][data-state="done"]', { timeout: 10_000 });
    const tokens = Number(await page.getAttribute('[data-testid="output"]', 'data-tokens'));
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThan(100_000);
  }, 60_000);

  it('names an unknown backend in the URL and starts a real one', async () => {
    await page.goto(`${server.url}/?backend=tpu`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('[data-testid="error"]')).toContain('Unknown backend "tpu" in the URL');
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(await page.textContent('[data-testid="backend"]'));
  }, 60_000);

  it('says in words when a file does not match its manifest, and keeps the page', async () => {
    await page.goto(`${server.url}/?model=${encodeURIComponent('/damaged/manifest.json')}&backend=cpu`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.isVisible('[data-testid="error"]')).toBe(true);
    expect(await page.textContent('[data-testid="error"]')).toMatch(
      /tokenizer\.json does not match manifest\.json \(\d+ bytes; it lists \d+\)/,
    );
    expect(await page.getAttribute('[data-testid="model-info"]', 'data-state')).toBe('error');
    expect(await page.isVisible('[data-testid="prompt"]')).toBe(true);
    await page.goto(`${server.url}/?model=${encodeURIComponent('/nowhere/manifest.json')}&backend=cpu`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('[data-testid="error"]')).toMatch(/could not fetch .*nowhere\/manifest\.json: HTTP 404/);
  }, 120_000);
});
