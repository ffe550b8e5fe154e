import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readShakespeare } from '../../../tests/shakespeare';

// `scratchgpt compare` end to end on a small text with a tiny config (seconds).
const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(import.meta.dirname, '../dist/cli.js');
const run = (args: string[]) =>
  promisify(execFile)('node', [cli, ...args], { maxBuffer: 1 << 24, cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, (await readShakespeare()).slice(0, 40_000)); // Tiny Shakespeare as resolveDataset finds it, verified
/** A tiny model and recipe: seconds a run. */
const TINY_FLAGS =
  '--n-layer 1 --n-head 2 --n-embd 16 --block-size 16 --batch-size 4 --max-iters 12 --eval-interval 6 --eval-iters 2 --sample-tokens 0 --workers 1';
const TINY = ['--data', corpus, ...TINY_FLAGS.split(' ')];
/** What `compare` gave before the loop moved into @scratchgpt/train, for these runs (fixtures/baseline-losses.json). */
const baseline = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/baseline-losses.json'), 'utf8'));
const report = (out: string) => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));

describe('scratchgpt compare', () => {
  it('tokenizers: one model each, the same characters per step, ranked on val bits per character', async () => {
    const out = join(dir, 'tok');
    const { code, stdout, stderr } = await run([
      'compare',
      'tokenizers',
      ...TINY,
      '--tokenizers',
      'char,bpe:300,tiktoken:gpt2',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/== bpe:300: \d\.\d\d characters per token, so block 16 characters → \d+ tokens/);
    expect(stdout).toContain('val bits/char');
    const json = report(out);
    expect(json.results.map((r: { tokenizer: string }) => r.tokenizer)).toEqual(['char', 'bpe:300', 'tiktoken:gpt2']);
    for (const r of json.results) {
      for (const key of [
        'vocabSize',
        'params',
        'embeddingParams',
        'charsPerToken',
        'blockTokens',
        'steps',
        'tokensPerSec',
        'seconds',
        'valLossPerToken',
        'valBitsPerChar',
        'valTokens',
        'valChars',
      ]) {
        expect(Number.isFinite(r[key]), `${r.tokenizer}.${key}`).toBe(true);
      }
      expect(typeof r.sample).toBe('string');
      expect(r.sample.length).toBeGreaterThan(0);
      expect(r.steps).toBe(12);
      expect(Math.abs(r.blockTokens * r.charsPerToken - 16)).toBeLessThan(r.charsPerToken); // about 16 characters a row
      expect(r.valBitsPerChar).toBeCloseTo((r.valLossPerToken * r.valTokens) / r.valChars / Math.LN2, 6);
    }
    // Every tokenizer is measured on the same characters: the val split's last 10%.
    const chars = json.results.map((r: { valChars: number }) => r.valChars);
    expect(Math.max(...chars) - Math.min(...chars)).toBeLessThanOrEqual(3); // up to the first target token's characters
    for (const r of json.results) {
      const before = baseline.compareTokenizers[r.tokenizer];
      expect(Math.abs(r.valLossPerToken - before.valLossPerToken), `${r.tokenizer}: the loss of the earlier compare`).toBeLessThan(1e-5);
      expect(Math.abs(r.valBitsPerChar - before.valBitsPerChar)).toBeLessThan(1e-5);
    }
    expect(json.results[2].vocabSize).toBe(50257);
    expect(json.results[2].embeddingParams).toBeGreaterThan(0.99 * json.results[2].params);
    for (const f of ['report.md', 'by-step.svg', 'by-time.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'by-time.svg'), 'utf8')).toContain('wall time');
  }, 180_000);

  it('attention: wrapper and fused start from the same weights and give the same step-0 loss', async () => {
    const out = join(dir, 'att');
    const { code, stdout, stderr } = await run(['compare', 'attention', ...TINY, '--variants', 'single,wrapper,fused', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Step 0 val loss: wrapper (\d\.\d+), fused \1 /);
    const json = report(out);
    expect(json.step0.same).toBe(true);
    expect(json.results.map((r: { attention: string }) => r.attention)).toEqual(['single', 'wrapper', 'fused']);
    for (const r of json.results) {
      for (const key of [
        'params',
        'forwardMs',
        'stepMs',
        'peakTensorBytes',
        'tokensPerSec',
        'steps',
        'seconds',
        'valLoss',
        'valBitsPerChar',
      ]) {
        expect(Number.isFinite(r[key]) && r[key] > 0, `${r.attention}.${key}`).toBe(true);
      }
    }
    expect(json.results[1].params).toBe(json.results[2].params);
    for (const r of json.results) {
      const before = baseline.compareAttention[r.attention];
      expect(Math.abs(r.step0Loss - before.step0Loss), `${r.attention}: the step-0 loss of the earlier compare`).toBeLessThan(1e-5);
      expect(Math.abs(r.valLoss - before.valLoss)).toBeLessThan(1e-5);
    }
    expect(json.results[0].nHead).toBe(1);
  }, 180_000);

  it('refuses an empty list and an unknown attention kind with a message', async () => {
    const empty = await run(['compare', 'tokenizers', ...TINY, '--tokenizers', ',', '--out', join(dir, 'x')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('--tokenizers names no tokenizer');
    const bogus = await run(['compare', 'attention', ...TINY, '--variants', 'fused,flash', '--out', join(dir, 'y')]);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toMatch(/scratchgpt: .*flash/);
    expect(bogus.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
