import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The built command, run as a user runs it (the test suite builds first).
const cli = join(import.meta.dirname, '../dist/cli.js');
const run = (args: string[]) =>
  promisify(execFile)('node', [cli, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-cli-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'ROMEO:\nBut soft, what light through yonder window breaks?\n'.repeat(40));

describe('scratchgpt tokenize', () => {
  it('compares tokenizers on a text file as JSON', async () => {
    const { code, stdout } = await run(['tokenize', '--data', corpus, '--tokenizers', 'char,tiktoken:gpt2,bpe:280', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.rows.map((r: { tokenizer: string }) => r.tokenizer)).toEqual(['char', 'tiktoken:gpt2', 'bpe:280']);
    const [char, gpt2, bpe] = report.rows;
    expect(char.tokens).toBe(report.valChars);
    expect(char.charsPerToken).toBe(1);
    expect(gpt2.charsPerToken).toBeGreaterThan(2);
    expect(bpe.vocabSize).toBe(280);
    expect(bpe.charsPerToken).toBeGreaterThan(1.5);
    expect(report.rows.every((r: { roundTrip: boolean }) => r.roundTrip)).toBe(true);
    expect(['ROMEO:', 'But soft, what light through yonder window breaks?']).toContain(char.example.join(''));
  });

  it('prints a table by default', async () => {
    const { code, stdout } = await run(['tokenize', '--data', corpus, '--tokenizers', 'char']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ char\s+│\s+\d+ │/);
    expect(stdout).toMatch(/char +(R\|O\|M\|E\|O\|:|B\|u\|t\| \|s\|o\|f\|t)/);
  });

  it('fails with a message, not a stack trace, on bad input', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const cases: Array<[string[], string]> = [
      [['tokenize', '--data', empty], 'is empty. Pass a text file with some text in it'],
      [['tokenize', '--data', join(dir, 'missing.txt')], 'No file or dataset named'],
      [['tokenize', '--data', corpus, '--tokenizers', 'wordpiece'], 'Unknown tokenizer "wordpiece"'],
      [['tokenize', '--bogus'], "unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(args);
      expect(code).toBe(1);
      expect(stderr).toContain(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
