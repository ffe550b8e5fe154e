// Benchmark reports: each suite returns tables; they are printed and written as JSON + markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Table {
  title: string;
  /** What the numbers mean and how they were taken. */
  note: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface Suite {
  name: string;
  run(): Promise<Table[]>;
}

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function toMarkdown(suite: string, tables: Table[], info = machine()): string {
  const lines = [
    `# Benchmark: ${suite}`,
    '',
    `${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, ${info.date}`,
    '',
  ];
  for (const t of tables) {
    lines.push(
      `## ${t.title}`,
      '',
      t.note,
      '',
      `| ${t.columns.join(' | ')} |`,
      `|${t.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    );
    for (const row of t.rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

export function writeReport(dir: string, suite: string, tables: Table[]): string {
  const info = machine();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify({ suite, machine: info, tables }, null, 2)}\n`);
  const markdown = toMarkdown(suite, tables, info);
  writeFileSync(join(dir, `${suite}.md`), markdown);
  return markdown;
}

/** Median of `runs` timings of `fn` (awaited), in seconds, after `fn` ran once to warm up (unless `warmup` is 0). */
export async function timeIt(fn: () => unknown, runs = 3, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
