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
