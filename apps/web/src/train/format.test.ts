// How the Train and Compare views write numbers, curves and the comparison.
import { describe, expect, it } from 'vitest';
import {
  COMPARE_COLUMNS,
  bitsPerChar,
  comparisonJson,
  fallbackNotice,
  formatDuration,
  formatParams,
  lastValLoss,
  rankMeasured,
  valBitsCurve,
} from './format';
import type { MeasuredRun } from './protocol';

describe('formatDuration', () => {
  it('writes seconds, minutes and hours', () => {
    expect([0, 42.4, 59.6, 185, 3599, 3720, 90_000].map(formatDuration)).toEqual([
      '0 s',
      '42 s',
      '1 min 00 s',
      '3 min 05 s',
      '59 min 59 s',
      '1 h 02 min',
      '25 h 00 min',
    ]);
  });
  it('says "–" when the time is unknown', () => {
    expect([Infinity, Number.NaN, -1].map(formatDuration)).toEqual(['–', '–', '–']);
  });
});

describe('formatParams', () => {
  it('writes millions and thousands as nanoGPT does', () => {
    expect([10_745_088, 209_344, 950].map(formatParams)).toEqual(['10.75M', '209.3k', '950']);
  });
});

describe('bits per character', () => {
  it('converts nats per token with tokens per character', () => {
    expect(bitsPerChar(Math.LN2, 1)).toBeCloseTo(1, 12);
    expect(bitsPerChar(2 * Math.LN2, 0.5)).toBeCloseTo(1, 12); // a token of two characters carrying 2 bits
  });
  it('draws a run at its evaluations only, against step or training seconds', () => {
    const run = {
      valTokensPerChar: 0.5,
      metrics: [
        { step: 0, loss: 4, lr: 0, tokensPerSec: 0, valLoss: 4 * Math.LN2, seconds: 0 },
        { step: 1, loss: 3.9, lr: 1e-3, tokensPerSec: 100 },
        { step: 2, loss: 3.8, lr: 1e-3, tokensPerSec: 100, valLoss: 2 * Math.LN2, seconds: 1.5 },
      ],
    };
    expect(valBitsCurve(run, 'step').map((p) => [p.x, Number(p.y.toFixed(9))])).toEqual([
      [0, 2],
      [2, 1],
    ]);
    expect(valBitsCurve(run, 'seconds').map((p) => p.x)).toEqual([0, 1.5]);
    expect(lastValLoss(run.metrics)).toBe(2 * Math.LN2);
    expect(lastValLoss(run.metrics.slice(1, 2))).toBeUndefined();
  });
});

describe('fallbackNotice', () => {
  it('names the backends, the failed step, the reason and the checkpoint', () => {
    expect(fallbackNotice({ from: 'webgpu', to: 'wasm', reason: 'device lost', step: 5 }, 7)).toBe(
      'webgpu failed after step 7 (device lost); went on from the checkpoint at step 5 on wasm.',
    );
  });
});

const row = (name: string, valBitsPerChar: number): MeasuredRun => ({
  id: name,
  name,
  tokenizer: 'char',
  attention: 'fused',
  vocabSize: 65,
  params: 12_345,
  charsPerToken: 1,
  blockTokens: 32,
  steps: 30,
  tokensPerSec: 1234.5,
  charsPerSec: 1234.5,
  trainSeconds: 3.2,
  seconds: 4,
  valLossPerToken: 2.5,
  valBitsPerChar,
  valTokens: 100,
  valChars: 100,
  backend: 'wasm',
});

describe('the comparison', () => {
  it('ranks on val bits per character, lowest first', () => {
    expect(rankMeasured([row('b', 3), row('a', 2.5), row('c', 4)]).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });
  it('has the columns of scratchgpt compare, ranked on bits per character', () => {
    expect(COMPARE_COLUMNS.map((c) => c.title)).toEqual([
      'name',
      'tokenizer',
      'attention',
      'vocab',
      'params',
      'chars/token',
      'block (tokens)',
      'steps',
      'tokens/s',
      'chars/s',
      'train s',
      'val loss/token',
      'val bits/char',
      'backend',
    ]);
    expect(COMPARE_COLUMNS.filter((c) => c.rank).map((c) => c.key)).toEqual(['valBitsPerChar']);
    expect(COMPARE_COLUMNS.map((c) => c.cell(row('x', 2.34567)))).toContain('2.3457');
  });
  it('downloads the table fields of each ranked row, unrounded', () => {
    const json = JSON.parse(comparisonJson([row('b', 3), row('a', 2.5)], '2025-01-01T00:00:00Z'));
    expect(json.rows.map((r: MeasuredRun) => r.name)).toEqual(['a', 'b']);
    expect(Object.keys(json.rows[0])).toEqual(COMPARE_COLUMNS.map((c) => c.key));
    expect(json.rows[0].tokensPerSec).toBe(1234.5);
    expect(json.notes.length).toBeGreaterThan(0);
  });
});
