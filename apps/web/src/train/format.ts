/**
 * How the Train and Compare views write numbers and runs: durations, parameter counts, bits per
 * character, a run's curve, the fallback notice, and the Compare table's columns (the columns of
 * `scratchgpt compare`'s reports, from `MeasuredRun`), which the table and its JSON download both
 * read. Pure functions: unit-tested in format.test.ts.
 */
import type { Metric } from '@scratchgpt/train';
import type { MeasuredRun, RunInfo } from './protocol';

/** Seconds as "42 s", "3 min 05 s" or "1 h 02 min"; "–" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A parameter count as nanoGPT prints it: "10.75M", "209.3k", "950". */
export function formatParams(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Bits per character from a loss in nats per token and the tokens per character of the same text. */
export const bitsPerChar = (lossPerToken: number, tokensPerChar: number): number => (lossPerToken * tokensPerChar) / Math.LN2;

/** The last evaluation's val loss of `metrics` (nats per token); undefined before the first evaluation. */
export function lastValLoss(metrics: readonly Metric[]): number | undefined {
  for (let i = metrics.length - 1; i >= 0; i--) if (metrics[i]!.valLoss !== undefined) return metrics[i]!.valLoss;
  return undefined;
}

/**
 * A run's val bits per character at each evaluation, against step or training seconds (evaluations
 * not counted, as `scratchgpt compare` plots them): the Compare chart's line for that run.
 */
export function valBitsCurve(run: Pick<RunInfo, 'metrics' | 'valTokensPerChar'>, x: 'step' | 'seconds'): Array<{ x: number; y: number }> {
  return run.metrics
    .filter((m) => m.valLoss !== undefined && (x === 'step' || m.seconds !== undefined))
    .map((m) => ({ x: x === 'step' ? m.step : m.seconds!, y: bitsPerChar(m.valLoss!, run.valTokensPerChar) }));
}

/** The notice of a fallback: "webgpu failed after step 7 (…); went on from the checkpoint at step 5 on wasm" (`lastStep`: the last step reported). */
export function fallbackNotice(r: { from: string; to: string; reason: string; step: number }, lastStep: number): string {
  return `${r.from} failed after step ${lastStep} (${r.reason}); went on from the checkpoint at step ${r.step} on ${r.to}.`;
}

/** One column of the Compare table: its title, the field of `MeasuredRun` and how it is written. */
export interface CompareColumn {
  title: string;
  key: keyof MeasuredRun;
  cell: (r: MeasuredRun) => string;
  /** The column the table is ranked on (shown bold). */
  rank?: boolean;
}

const fixed = (key: keyof MeasuredRun, digits: number) => (r: MeasuredRun) => (r[key] as number).toFixed(digits);
const int = (key: keyof MeasuredRun) => (r: MeasuredRun) => Math.round(r[key] as number).toLocaleString('en-US');

/** The Compare table's columns, left to right: those of `scratchgpt compare tokenizers` and `attention`, plus the backend. */
export const COMPARE_COLUMNS: readonly CompareColumn[] = [
  { title: 'name', key: 'name', cell: (r) => r.name },
  { title: 'tokenizer', key: 'tokenizer', cell: (r) => r.tokenizer },
  { title: 'attention', key: 'attention', cell: (r) => r.attention },
  { title: 'vocab', key: 'vocabSize', cell: int('vocabSize') },
  { title: 'params', key: 'params', cell: int('params') },
  { title: 'chars/token', key: 'charsPerToken', cell: fixed('charsPerToken', 2) },
  { title: 'block (tokens)', key: 'blockTokens', cell: int('blockTokens') },
  { title: 'steps', key: 'steps', cell: int('steps') },
  { title: 'tokens/s', key: 'tokensPerSec', cell: fixed('tokensPerSec', 0) },
  { title: 'chars/s', key: 'charsPerSec', cell: fixed('charsPerSec', 0) },
  { title: 'train s', key: 'trainSeconds', cell: fixed('trainSeconds', 0) },
  { title: 'val loss/token', key: 'valLossPerToken', cell: fixed('valLossPerToken', 4) },
  { title: 'val bits/char', key: 'valBitsPerChar', cell: fixed('valBitsPerChar', 4), rank: true },
  { title: 'backend', key: 'backend', cell: (r) => r.backend },
];

/** What the Compare view says under its table, as the CLI's report notes do. */
export const COMPARE_NOTES = [
  'Ranked on val bits per character: the total loss in nats over every token of the val split (each token once) / ln 2 / the characters those tokens cover. It compares runs with different tokenizers fairly; per-token loss is shown, not ranked on: it depends on the vocabulary (a token of bpe:512 carries more text than a character).',
  "The chart converts each evaluation's val estimate (nats per token) to bits per character with the run's val tokens per character; wall time counts training steps only (evaluations excluded).",
  'tokens/s is the median over the training steps; chars/s is that times characters per token.',
] as const;

/** The rows ranked as the CLI ranks them: lowest val bits per character first. */
export const rankMeasured = (rows: readonly MeasuredRun[]): MeasuredRun[] => [...rows].sort((a, b) => a.valBitsPerChar - b.valBitsPerChar);

/** The comparison as the JSON download: the notes, and each ranked row with the table's fields (numbers unrounded). */
export function comparisonJson(rows: readonly MeasuredRun[], created: string): string {
  const ranked = rankMeasured(rows).map((r) => Object.fromEntries(COMPARE_COLUMNS.map((c) => [c.key, r[c.key]])));
  return `${JSON.stringify({ kind: 'browser', created, columns: COMPARE_COLUMNS.map((c) => c.title), notes: COMPARE_NOTES, rows: ranked }, null, 2)}\n`;
}
