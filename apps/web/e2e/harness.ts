/**
 * Drives the built sampler in Debian's Chromium (headless, via playwright-core): a static server
 * with the COOP/COEP headers, the app under `/` and export directories under `/<name>/`, and one
 * page per backend. Used by the e2e test and the browser benchmark.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const APP_DIST = join(import.meta.dirname, '../dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Serves `roots` (URL prefix → directory) on a free localhost port, cross-origin isolated. */
export async function serve(roots: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(roots)
      .sort((a, b) => b.length - a.length)
      .find((p) => path.startsWith(p))!;
    let file = normalize(join(roots[prefix]!, path.slice(prefix.length)));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!file.startsWith(normalize(roots[prefix]!)) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Headless Chromium with WebGPU (SwiftShader), in a fresh profile that is removed on close. */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH.`);
  const profile = mkdtempSync(join(tmpdir(), 'scratchgpt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--disable-quic'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface GenerationResult {
  backend: string;
  text: string;
  tokens: number;
  tokensPerSec: number;
  /** Kernel dispatches per generated token on webgpu, all and scratchgpt's fused ones (0 elsewhere). */
  dispatchesPerToken: number;
  fusedPerToken: number;
}

/** Opens the sampler on `backend` with the export at `manifest`, and generates greedily. */
export async function generateIn(
  page: Page,
  base: string,
  manifest: string,
  backend: string,
  prompt: string,
  maxNewTokens: number,
): Promise<GenerationResult> {
  await page.goto(`${base}/?model=${encodeURIComponent(manifest)}&backend=${backend}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const state = await page.getAttribute('[data-testid="model-info"]', 'data-state');
  if (state !== 'loaded') throw new Error(`the model did not load on ${backend}: ${await page.textContent('[data-testid="error"]')}`);
  await page.fill('[data-testid="prompt"]', prompt);
  await page.fill('#temperature', '0');
  await page.fill('#max-new-tokens', String(maxNewTokens));
  await page.click('[data-testid="generate"]');
  await page.waitForSelector('[data-testid="output"][data-state="done"]', { timeout: 120_000 });
  return {
    backend: (await page.textContent('[data-testid="backend"]')) ?? '',
    text: (await page.textContent('[data-testid="output"]')) ?? '',
    tokens: Number(await page.getAttribute('[data-testid="output"]', 'data-tokens')),
    tokensPerSec: Number(await page.textContent('[data-testid="tokens-per-second"]')),
    dispatchesPerToken: Number(await page.getAttribute('[data-testid="output"]', 'data-dispatches-per-token')),
    fusedPerToken: Number(await page.getAttribute('[data-testid="output"]', 'data-fused-per-token')),
  };
}

/** The Train page's URL with its form prefilled from `params` (field ids, `backend`, `fail-at-step`). */
export const trainUrl = (base: string, params: Record<string, string | number>): string =>
  `${base}/train.html?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

/** What the Train page's status element says. */
export interface TrainStatus {
  state: string;
  runId: string;
  step: number;
  startStep: number;
  firstLoss: number;
  lastLoss: number;
  backend: string;
  tokensPerSec: number;
  error: string;
}

export async function trainStatus(page: Page): Promise<TrainStatus> {
  const status = '[data-testid="train-status"]';
  const attr = async (name: string) => (await page.getAttribute(status, name)) ?? '';
  return {
    state: await attr('data-state'),
    runId: await attr('data-run-id'),
    step: Number(await attr('data-step')),
    startStep: Number(await attr('data-start-step')),
    firstLoss: Number(await attr('data-first-loss')),
    lastLoss: Number(await attr('data-last-loss')),
    backend: (await page.textContent('[data-testid="train-backend-active"]')) ?? '',
    tokensPerSec: Number(await page.textContent('[data-testid="tokens-per-second"]')),
    error: (await page.isVisible('[data-testid="error"]')) ? ((await page.textContent('[data-testid="error"]')) ?? '') : '',
  };
}

/** Waits until the Train page's run is in one of `states` (e.g. done, error); throws with the page's error otherwise. */
export async function waitForTrainState(page: Page, states: string[], timeout = 300_000): Promise<TrainStatus> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-state') ?? ''),
    states,
    { timeout, polling: 200 },
  );
  return trainStatus(page);
}

/** Opens the Train page with `params`, starts a run and waits for it to end; the page's error if it fails. */
export async function trainIn(page: Page, base: string, params: Record<string, string | number>, timeout?: number): Promise<TrainStatus> {
  await page.goto(trainUrl(base, params));
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.click('[data-testid="start"]');
  const status = await waitForTrainState(page, ['done', 'error'], timeout);
  if (status.state !== 'done') throw new Error(`training did not finish: ${status.error}`);
  return status;
}

/** Downloads a stored run's checkpoint through its row's download button. */
export async function downloadCheckpoint(page: Page, runId: string): Promise<Uint8Array> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-testid="run-row"][data-run-id="${runId}"] [data-testid="download"]`),
  ]);
  const path = await download.path();
  return new Uint8Array(readFileSync(path));
}
