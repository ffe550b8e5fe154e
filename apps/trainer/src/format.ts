import { TRAIN_SHARE, VAL_SHARE } from '@scratchgpt/train';
import Table from 'cli-table3';
import type { TokenizeReport } from './tokenize-report';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toFixed(digits);

/** The comparison as a terminal table, with how each tokenizer cuts one line. */
export function formatTokenizeReport(path: string, report: TokenizeReport): string {
  const table = new Table({
    head: ['tokenizer', 'vocab', 'val tokens', 'chars/token', 'bytes/token', 'encode MB/s', 'build s', 'round-trip'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'center'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of report.rows) {
    table.push([
      r.tokenizer,
      int(r.vocabSize),
      int(r.tokens),
      fixed(r.charsPerToken, 2),
      fixed(r.bytesPerToken, 2),
      fixed(r.encodeMBps, 1),
      fixed(r.buildSeconds, 2),
      r.roundTrip ? 'yes' : 'NO',
    ]);
  }
  const examples = report.rows.map((r) => `  ${r.tokenizer.padEnd(16)} ${r.example.map((t) => JSON.stringify(t).slice(1, -1)).join('|')}`);
  return [
    `${path}: ${int(report.chars)} characters, ${int(report.bytes)} bytes`,
    `BPE is trained on ${TRAIN_SHARE}; every figure is on ${VAL_SHARE} (${int(report.valChars)} characters).`,
    table.toString(),
    'How each one cuts the first whole line of the val split:',
    ...examples,
  ].join('\n');
}
