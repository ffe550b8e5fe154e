import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@scratchgpt/nn';
import { afterAll, describe, expect, it } from 'vitest';
import type { Metric } from '@scratchgpt/train';

const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-train-'));

// The built command, run as a user runs it (the test suite builds first), on a tiny model.
const cli = join(import.meta.dirname, '../dist/cli.js');
// Run in the temporary directory, so the default run directory (runs/<preset>) lands there too.
const run = (args: string[]) =>
  promisify(execFile)('node', [cli, ...args], { maxBuffer: 1 << 24, cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const ok = async (args: string[]) => {
  const result = await run(args);
  expect(result.stderr.match(/scratchgpt: .*/)?.[0] ?? '').toBe('');
  expect(result.code).toBe(0);
  return result;
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = join(dir, 'corpus.txt');
const text = 'ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n\n'.repeat(30);
writeFileSync(corpus, text);
const vocab = new Set(text).size;
/** A tiny model and recipe: seconds a run. */
const TINY_FLAGS =
  '--n-layer 1 --n-head 2 --n-embd 16 --block-size 8 --batch-size 4 --eval-iters 2 --sample-tokens 16 --log-interval 1 --lr 1e-2 --warmup-iters 0';
const TINY = ['--data', corpus, ...TINY_FLAGS.split(' ')];
/** Runs `scratchgpt <args>` and expects exit 1 with `message` on stderr, and no stack trace. */
const expectFailure = async (args: string[], message: string | RegExp) => {
  const { code, stderr } = await run(args);
  expect(code, stderr).toBe(1);
  if (typeof message === 'string') expect(stderr).toContain(message);
  else expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at /);
};
const metricsOf = (out: string): Metric[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Metric);

describe('scratchgpt train, sample, eval, export', () => {
  const out = join(dir, 'run');

  it('trains end to end and writes the checkpoint, metrics, plot and samples', async () => {
    const { stdout, stderr } = await ok(['train', ...TINY, '--max-iters', '12', '--eval-interval', '6', '--out', out, '--backend', 'wasm']);
    expect(stderr).toContain('backend: wasm (asked for)');
    expect(stdout).toMatch(/step 12\/12 {2}loss \d\.\d{4} {2}lr /); // plain log lines when not on a terminal
    expect(stdout).toContain('--- sample at step 6 ---');
    const metrics = metricsOf(out);
    const steps = metrics.filter((m) => m.valLoss === undefined);
    const evals = metrics.filter((m) => m.valLoss !== undefined);
    expect(steps.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(evals.map((m) => m.step)).toEqual([0, 6, 12]);
    for (const m of metrics) for (const key of ['step', 'loss', 'lr', 'tokensPerSec'] as const) expect(Number.isFinite(m[key])).toBe(true);
    expect(steps.every((m) => m.tokensPerSec > 0)).toBe(true);
    expect(Math.abs(evals[0]!.valLoss! - Math.log(vocab))).toBeLessThan(0.1); // ln(vocab) at init
    expect(evals[2]!.valLoss!).toBeLessThan(evals[0]!.valLoss!);
    const svg = readFileSync(join(out, 'loss.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('val (eval)');
    expect(readFileSync(join(out, 'samples.txt'), 'utf8').match(/^--- step \d+ /gm)).toHaveLength(3);
  });

  it('samples deterministically, streaming to stdout', async () => {
    const args = ['sample', '--run', out, '--max-new-tokens', '30', '--seed', '7', '--prompt', 'ROMEO:'];
    const [a, b] = [await ok(args), await ok(args)];
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith('ROMEO:')).toBe(true);
    expect(a.stdout.length).toBe('ROMEO:'.length + 30 + 1); // char-level: one character per token, then a newline
    const bad = await run(['sample', '--run', out, '--prompt', 'Zebra §']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/scratchgpt: .*"Z"/);
  });

  it('evaluates every val token once: nats per token and bits per character', async () => {
    const { stdout } = await ok(['eval', '--run', out, '--json']);
    const result = JSON.parse(stdout) as Record<string, number>;
    expect(Object.keys(result).sort()).toEqual(['bitsPerChar', 'chars', 'seconds', 'tokens', 'valLoss']);
    const val = text.length - Math.floor(text.length * 0.9);
    expect(result.tokens).toBe(val - 1); // every target of the val split
    expect(result.chars).toBe(result.tokens); // char-level
    expect(result.bitsPerChar).toBeCloseTo(result.valLoss! / Math.LN2, 10);
    const last = metricsOf(out).findLast((m) => m.valLoss !== undefined)!;
    expect(Math.abs(result.valLoss! - last.valLoss!)).toBeLessThan(0.3); // the estimate and the full pass agree roughly
  });

  it('exports config, weights, tokenizer and a manifest whose model generates what `sample` does', async () => {
    const exported = join(dir, 'export');
    await ok(['export', '--run', out, '--out', exported]);
    expect(await tf.setBackend('wasm')).toBe(true); // the backend `sample` picks, so greedy choices agree
    const { readExportDir } = await import('./export');
    const { manifest, model, tokenizer } = await readExportDir(exported);
    expect(manifest.files.weights.path).toBe('model.safetensors');
    expect(manifest.source.step).toBe(12);
    const ids = await model.generate(tokenizer.encode('ROMEO:'), { maxNewTokens: 20, temperature: 0 });
    const { stdout } = await ok(['sample', '--run', out, '--max-new-tokens', '20', '--temperature', '0', '--prompt', 'ROMEO:']);
    expect(stdout).toBe(`${tokenizer.decode(ids)}\n`);
    model.dispose();
    writeFileSync(join(exported, 'tokenizer.json'), '{"format":"scratchgpt-tokenizer/1","type":"char","chars":["a"],"unk":false}');
    await expect(readExportDir(exported)).rejects.toThrow(/tokenizer.json does not match manifest.json/);
  });
});

/** What `scratchgpt` gave before its loop moved into @scratchgpt/train (fixtures/baseline-losses.json). */
const baseline = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/baseline-losses.json'), 'utf8'));
const expectLosses = (metrics: Metric[], expected: Array<[number, number, number | null]>) => {
  expect(metrics.map((m) => m.step)).toEqual(expected.map((e) => e[0]));
  metrics.forEach((m, i) => {
    expect(Math.abs(m.loss - expected[i]![1])).toBeLessThan(1e-5);
    expect(Math.abs((m.valLoss ?? 0) - (expected[i]![2] ?? 0))).toBeLessThan(1e-5);
  });
};

describe('scratchgpt train: the same losses as before the loop moved into the library', () => {
  it('one thread, and two threads with dropout, give the losses of the earlier trainer for the same seed (1e-5)', async () => {
    const [one, two] = [join(dir, 'baseline-1'), join(dir, 'baseline-2')];
    await ok(['train', ...TINY, '--max-iters', '12', '--eval-interval', '6', '--backend', 'wasm', '--workers', '1', '--out', one]);
    await ok(['train', ...TINY, '--max-iters', '8', '--eval-interval', '4', '--dropout', '0.1', '--workers', '2', '--out', two]);
    expectLosses(metricsOf(one), baseline.train.threads1);
    expectLosses(metricsOf(two), baseline.train.threads2Dropout);
  });
});

describe('scratchgpt train --backend webgpu (Node, through Dawn; lavapipe in CI)', () => {
  it('trains the shakespeare-char-cpu preset with the losses of wasm (1e-3), and samples the same text greedily', async () => {
    const flags = [
      '--data',
      'shakespeare',
      '--preset',
      'shakespeare-char-cpu',
      '--max-iters',
      '2',
      '--eval-interval',
      '2',
      '--eval-iters',
      '1',
      '--log-interval',
      '1',
      '--sample-tokens',
      '0',
    ];
    const [gpu, cpu] = [join(dir, 'webgpu'), join(dir, 'wasm')];
    const trained = await ok(['train', ...flags, '--backend', 'webgpu', '--out', gpu]);
    expect(trained.stderr).toMatch(/backend: webgpu \(asked for; adapter: .+\)/);
    await ok(['train', ...flags, '--backend', 'wasm', '--workers', '1', '--out', cpu]);
    const [g, w] = [metricsOf(gpu), metricsOf(cpu)];
    expect(g.map((m) => m.step)).toEqual(w.map((m) => m.step));
    for (const [i, m] of w.entries()) {
      expect(Math.abs(g[i]!.loss - m.loss)).toBeLessThan(1e-3);
      expect(Math.abs((g[i]!.valLoss ?? 0) - (m.valLoss ?? 0))).toBeLessThan(1e-3);
    }
    const sample = (backend: string) => ok(['sample', '--run', gpu, '--max-new-tokens', '24', '--temperature', '0', '--backend', backend]);
    expect((await sample('webgpu')).stdout).toBe((await sample('wasm')).stdout);
  });

  it('--workers above 1 is refused on webgpu, which trains on the GPU', async () => {
    const result = await run([
      'train',
      ...TINY,
      '--max-iters',
      '1',
      '--backend',
      'webgpu',
      '--workers',
      '2',
      '--out',
      join(dir, 'webgpu-workers'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--workers 2 is for the wasm and cpu backends; webgpu runs on the GPU');
  });
});

describe('scratchgpt train --sampler sliding', () => {
  it('trains on shuffled sliding windows every --stride tokens, evaluates, and resumes exactly', async () => {
    const [straight, split] = [join(dir, 'sliding-straight'), join(dir, 'sliding-split')];
    const args = [...TINY, '--sampler', 'sliding', '--stride', '32', '--eval-interval', '4', '--dropout', '0.1'];
    const first = await ok(['train', ...args, '--max-iters', '8', '--out', straight]);
    expect(first.stderr).toMatch(/sliding batches \(stride 32\)/);
    await ok(['train', ...args, '--max-iters', '4', '--out', split]);
    await ok(['train', '--out', split, '--resume', '--max-iters', '8']);
    const [a, b] = [metricsOf(straight), metricsOf(split)];
    expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
    a.forEach((m, i) => {
      expect(Math.abs(m.loss - b[i]!.loss)).toBeLessThan(1e-6);
      expect(Math.abs((m.valLoss ?? 0) - (b[i]!.valLoss ?? 0))).toBeLessThan(1e-6);
      expect(b[i]!.epoch).toBeCloseTo(m.epoch!, 12);
    });
    const windows = Math.floor((Math.floor(text.length * 0.9) - 8 - 1) / 32) + 1; // of the train split
    expect(a.at(-1)!.epoch).toBeCloseTo((8 * 4) / windows, 12); // 8 batches of 4 windows
    const evaluated = JSON.parse((await ok(['eval', '--run', straight, '--json'])).stdout);
    expect(Number.isFinite(evaluated.valLoss)).toBe(true);
    const changed = await run(['train', '--out', split, '--resume', '--max-iters', '12', '--stride', '5']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('invalid training setting: --stride cannot change when a run resumes');
  });
});

describe('scratchgpt train: resume, Ctrl-C, NaN', () => {
  it('resumes exactly: 4 steps + resume to 8 give the losses of 8 straight steps (1e-6)', async () => {
    const [straight, split] = [join(dir, 'straight'), join(dir, 'split')];
    const args = [...TINY, '--eval-interval', '4', '--dropout', '0.1'];
    await ok(['train', ...args, '--max-iters', '8', '--out', straight]);
    await ok(['train', ...args, '--max-iters', '4', '--out', split]);
    const resumed = await ok(['train', '--out', split, '--resume', '--max-iters', '8']);
    expect(resumed.stderr).toContain('resuming');
    expect(resumed.stderr).toMatch(
      /backend: (wasm \(auto: @tensorflow\/tfjs-node-gpu is not installed, @tensorflow\/tfjs-node is not installed, (webgpu has only a software adapter|no GPU for webgpu)\)|webgpu \(auto: .*adapter: .+\))/,
    ); // a software adapter (lavapipe in CI) is not picked by auto; a hardware GPU is
    const [a, b] = [metricsOf(straight), metricsOf(split)];
    expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i]!.loss - b[i]!.loss)).toBeLessThan(1e-6);
      expect(Math.abs((a[i]!.valLoss ?? 0) - (b[i]!.valLoss ?? 0))).toBeLessThan(1e-6);
    }
  });

  it('Ctrl-C saves a checkpoint and exits with 130; the run resumes from it', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn('node', [cli, 'train', ...TINY, '--max-iters', '100000', '--eval-interval', '1000', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/step 3\/100000/.test(stdout)) resolve(); // training is under way: interrupt it
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130); // saved, but not finished: scripts must not take it for a finished run
    const saved = /interrupted: checkpoint at step (\d+) saved/.exec(stdout + stderr);
    expect(saved).not.toBeNull();
    const step = Number(saved![1]);
    expect(step).toBeGreaterThanOrEqual(3);
    const resumed = await ok(['train', '--out', out, '--resume', '--max-iters', String(step + 2)]);
    expect(resumed.stderr).toContain(`resuming ${out} at step ${step}`);
    expect(metricsOf(out).at(-1)!.step).toBe(step + 2);
  });

  it('with --max-iters 0 evaluates and saves the untrained model', async () => {
    const out = join(dir, 'zero');
    await ok(['train', ...TINY, '--max-iters', '0', '--out', out]);
    expect(metricsOf(out).map((m) => m.step)).toEqual([0]);
    expect(existsSync(join(out, 'ckpt.safetensors'))).toBe(true);
  });

  it('runs through a symlink as well (npm bins are symlinks)', async () => {
    const link = join(dir, 'scratchgpt-link.js');
    symlinkSync(cli, link);
    const { stdout } = await promisify(execFile)('node', [link, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('Ctrl-C after an update that broke the weights does not save them over the good checkpoint', async () => {
    const out = join(dir, 'nan-interrupted');
    await ok(['train', ...TINY, '--max-iters', '2', '--eval-interval', '2', '--out', out]);
    const child = spawn(
      'node',
      [cli, 'train', '--out', out, '--resume', '--max-iters', '100000', '--lr', '3e38', '--warmup-iters', '0', '--min-lr', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    let output = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!interrupted && /step 3\/100000/.test(output)) interrupted = child.kill('SIGINT'); // once: weights already broken by the step-2 update
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/the loss became NaN at step \d+ .*The last good checkpoint \(step 2\) is kept/);
    const { stdout } = await ok(['eval', '--run', out, '--json']);
    expect(Number.isFinite(JSON.parse(stdout).valLoss)).toBe(true);
  });

  it('stops on a non-finite loss and keeps the last good checkpoint', async () => {
    const out = join(dir, 'nan');
    await ok(['train', ...TINY, '--max-iters', '2', '--eval-interval', '2', '--out', out]);
    const blown = await run([
      'train',
      '--out',
      out,
      '--resume',
      '--max-iters',
      '6',
      '--lr',
      '3e38',
      '--warmup-iters',
      '0',
      '--min-lr',
      '0',
    ]);
    expect(blown.code).toBe(1);
    expect(blown.stderr).toMatch(
      /scratchgpt: the loss became (NaN|Infinity|-Infinity) at step \d .*The last good checkpoint \(step 2\) is kept/,
    );
    const { stdout } = await ok(['eval', '--run', out, '--json']);
    expect(Number.isFinite(JSON.parse(stdout).valLoss)).toBe(true);
  });
});

describe('scratchgpt train: bad input gets a message and exit 1, never a stack trace', () => {
  const tiny = TINY.filter((_, i) => i > 1); // TINY without --data

  it('refuses missing, empty, binary, invalid UTF-8 and too-short data', async () => {
    const empty = join(dir, 'empty.txt');
    const binary = join(dir, 'model.bin');
    const latin1 = join(dir, 'latin1.txt');
    const short = join(dir, 'short.txt');
    writeFileSync(empty, '');
    writeFileSync(binary, new Uint8Array([80, 75, 3, 4, 0, 0, 1]));
    writeFileSync(latin1, new Uint8Array([99, 97, 102, 0xe9, 10]));
    writeFileSync(short, 'To be, or not to be, that is the question.\n');
    await expectFailure(['train', '--data', join(dir, 'missing.txt'), ...tiny], 'No file or dataset named');
    await expectFailure(['train', '--data', empty, ...tiny], 'is empty. Pass a text file');
    await expectFailure(['train', '--data', binary, ...tiny], 'looks binary (a NUL byte at offset 4)');
    await expectFailure(
      ['train', '--data', latin1, ...tiny],
      /latin1\.txt is not valid UTF-8: the bytes at offset 3 \(line 1\) are not a UTF-8 sequence \(0xe9 0x0a\)\. Convert it to UTF-8 .* or read it in its encoding with --encoding/,
    );
    await expectFailure(
      ['train', '--data', short, ...tiny],
      /short\.txt is too short: its last 10% \(the val split\) is 5 tokens \(char\), and a block needs blockSize \+ 1 = 9/,
    );
    const spaces = join(dir, 'spaces.txt');
    writeFileSync(spaces, ' \n'.repeat(300));
    await expectFailure(['train', '--data', spaces, ...tiny], 'holds only whitespace');
    await expectFailure(['train', ...TINY, '--out', corpus], `--out ${corpus} is a file; pass a directory.`);
  });

  it('refuses unknown flags, presets and backends, and invalid values', async () => {
    await expectFailure(['train', '--bogus'], "unknown option '--bogus'");
    await expectFailure(
      ['train', '--preset', 'gpt5'],
      "argument 'gpt5' is invalid. Allowed choices are shakespeare-char-cpu, shakespeare-char",
    );
    await expectFailure(['train', '--backend', 'tpu'], "argument 'tpu' is invalid");
    await expectFailure(
      ['train', '--n-layer', 'two'],
      "option '--n-layer <n>' argument 'two' is invalid. Expected an integer of at least 1.",
    );
    await expectFailure(['train', '--lr', 'fast'], "argument 'fast' is invalid. Expected a number.");
    await expectFailure(
      ['train', ...TINY, '--n-embd', '30', '--n-head', '4', '--out', join(dir, 'x1')],
      'invalid model setting: --n-embd (30) must be divisible by --n-head (4); try --n-embd = 32.',
    );
    await expectFailure(
      ['train', ...TINY, '--dropout', '1.5', '--out', join(dir, 'x2')],
      'invalid model setting: --dropout must be in [0, 1), got 1.5',
    );
    await expectFailure(
      ['train', ...TINY, '--min-lr', '1', '--out', join(dir, 'x3')],
      'invalid training setting: --min-lr must be between 0 and --lr (0.01), got 1.',
    );
    await expectFailure(
      ['train', ...TINY, '--stride', '4', '--out', join(dir, 'x6')],
      'invalid training setting: --stride (4) is for --sampler "sliding"',
    );
    await expectFailure(
      ['train', ...TINY, '--sampler', 'shuffled', '--out', join(dir, 'x7')],
      "argument 'shuffled' is invalid. Allowed choices are random, sliding.",
    );
    await expectFailure(['train', ...TINY, '--tokenizer', 'wordpiece', '--out', join(dir, 'x4')], 'Unknown tokenizer "wordpiece"');
    await expectFailure(
      ['train', ...TINY, '--backend', 'node', '--out', join(dir, 'x5')],
      /needs @tensorflow\/tfjs-node, which is not installed.*pnpm add @tensorflow\/tfjs-node/,
    );
    expect(existsSync(join(dir, 'x1'))).toBe(false); // nothing written for a run that never started
  });

  it('refuses a run dir that holds another model, and a tokenizer, data or shape that does not fit it', async () => {
    const out = join(dir, 'taken');
    await ok(['train', ...TINY, '--max-iters', '1', '--eval-interval', '1', '--out', out]);
    const other = join(dir, 'other.txt');
    writeFileSync(other, 'Now is the winter of our discontent\n'.repeat(20));
    await expectFailure(['train', ...TINY, '--out', out], `${out} already holds a model`);
    await expectFailure(
      ['train', '--out', out, '--resume', '--tokenizer', 'tiktoken:gpt2'],
      `--tokenizer tiktoken:gpt2 does not fit the checkpoint, which was trained with char (${vocab} ids)`,
    );
    await expectFailure(['train', '--out', out, '--resume', '--data', other], 'is not the text this run was trained on');
    await expectFailure(
      ['train', '--out', out, '--resume', '--n-embd', '32'],
      "the run's nEmbd is 16; --n-embd 32 does not fit its checkpoint",
    );
    await expectFailure(
      ['train', '--out', out, '--resume', '--seed', '3'],
      "invalid training setting: --seed cannot change when a run resumes (the run's is 1337, given 3)",
    );
    await expectFailure(['train', '--out', join(dir, 'nothing'), '--resume'], 'No run directory');
    await expectFailure(['eval', '--run', out, '--data', other], /the run's tokenizer \(char\) does not fit .*other\.txt/);
    await expectFailure(['sample', '--run', dir], 'holds no checkpoint');
    const ckpt = join(out, 'ckpt.safetensors');
    const bytes = readFileSync(ckpt);
    bytes[bytes.length - 5]! ^= 0xff; // flip bits in the last weights
    writeFileSync(ckpt, bytes);
    await expectFailure(['sample', '--run', out], /checkpoint .*ckpt\.safetensors is unusable: the checksum does not match/);
    writeFileSync(ckpt, bytes.subarray(0, 1000)); // truncated
    await expectFailure(['train', '--out', out, '--resume'], /is unusable: not a readable checkpoint \(truncated or damaged\)/);
  });
});

/** Children of {@link startUntil} still running when the file ends (a test that failed midway) are killed. */
const children = new Set<ReturnType<typeof spawn>>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `scratchgpt <args>`; `started` resolves once its stdout matches `ready`. */
function startUntil(args: string[], ready: RegExp) {
  const child = spawn('node', [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
      if (ready.test(stdout)) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    void exited.then((code) => reject(new Error(`exited with ${code} before ${ready}: ${output}`)));
  });
  return { child, started, exited, output: () => output };
}

describe('scratchgpt: run directories are safe, commands stop when asked', () => {
  it('refuses a second train on the same --out while the first runs; a stale lock is taken over', async () => {
    const out = join(dir, 'busy');
    const first = startUntil(['train', ...TINY, '--max-iters', '100000', '--eval-interval', '1000', '--out', out], /step 3\/100000/);
    await first.started;
    await expectFailure(
      ['train', '--out', out, '--resume'],
      new RegExp(`${out} is in use by another scratchgpt train \\(pid ${first.child.pid},`),
    );
    await expectFailure(['train', ...TINY, '--out', out], 'is in use by another scratchgpt train');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(existsSync(join(out, 'scratchgpt.lock'))).toBe(false);
    // A lock left by a process that is gone (kill -9) does not block the next run.
    const gone = spawn('node', ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(join(out, 'scratchgpt.lock'), JSON.stringify({ pid: gone.pid, host: hostname(), command: 'train', started: 'earlier' }));
    writeFileSync(join(out, '.ckpt.safetensors.00112233aabb.tmp'), 'what a killed save left');
    const saved = Number(/checkpoint at step (\d+) saved/.exec(first.output())![1]);
    const { stderr } = await ok(['train', '--out', out, '--resume', '--max-iters', String(saved + 1)]);
    expect(stderr).toContain('resuming');
    expect(readdirSync(out).sort()).toEqual(['ckpt.safetensors', 'loss.svg', 'metrics.jsonl', 'samples.txt']);
  });

  it('never writes a new run into a directory of other files, nor through a symlink', async () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.md'), 'my notes');
    await expectFailure(['train', ...TINY, '--out', mine], `--out ${mine} holds files that scratchgpt train did not write (notes.md)`);
    expect(readdirSync(mine)).toEqual(['notes.md']);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const linked = join(dir, 'linked');
    mkdirSync(linked);
    symlinkSync(victim, join(linked, 'metrics.jsonl'));
    await expectFailure(
      ['train', ...TINY, '--out', linked],
      `${join(linked, 'metrics.jsonl')} is a symbolic link; scratchgpt writes its run files itself`,
    );
    const out = join(dir, 'resumed-link');
    await ok(['train', ...TINY, '--max-iters', '1', '--eval-interval', '1', '--out', out]);
    rmSync(join(out, 'samples.txt'));
    symlinkSync(victim, join(out, 'samples.txt'));
    await expectFailure(['train', '--out', out, '--resume', '--max-iters', '2'], 'samples.txt is a symbolic link');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('sample stops at once on a closed pipe (sample | head) and on Ctrl-C (130)', async () => {
    const out = join(dir, 'to-sample');
    await ok(['train', ...TINY, '--max-iters', '1', '--eval-interval', '1', '--out', out]);
    const piped = startUntil(['sample', '--run', out, '--max-new-tokens', '100000000'], /[\s\S]{200}/);
    await piped.started;
    piped.child.stdout.destroy(); // the reader goes away, as head does
    expect(await piped.exited).toBe(0);
    expect(piped.output()).not.toMatch(/scratchgpt: |EPIPE|\n\s+at /);
    const stopped = startUntil(['sample', '--run', out, '--max-new-tokens', '100000000'], /[\s\S]{200}/);
    await stopped.started;
    stopped.child.kill('SIGINT');
    expect(await stopped.exited).toBe(130);
    expect(stopped.output()).toContain('scratchgpt: sampling stopped by Ctrl-C.');
  });

  it('keeps flags within bounds, and leaves nothing behind for a run refused before it starts', async () => {
    await expectFailure(
      ['train', ...TINY, '--seed', '4294967296'],
      "argument '4294967296' is invalid. Expected an integer from 0 to 4294967295.",
    );
    await expectFailure(['sample', '--run', join(dir, 'any'), '--seed', '-1'], 'Expected an integer from 0 to 4294967295.');
    await expectFailure(['train', ...TINY, '--max-iters', '99999999999999999999'], 'Expected an integer of at least 0.');
    const cores = availableParallelism();
    const many = join(dir, 'many');
    await expectFailure(
      ['train', ...TINY, '--workers', String(cores + 1), '--out', many],
      `--workers ${cores + 1} is more than this machine's ${cores} cores`,
    );
    const huge = join(dir, 'huge');
    const long = join(dir, 'long.txt');
    writeFileSync(long, text.repeat(300)); // 850,000 characters: val holds a block of 65536
    await expectFailure(
      ['train', ...TINY, '--data', long, '--backend', 'wasm', '--block-size', '65536', '--n-layer', '8', '--n-head', '8', '--out', huge],
      /one row of 65536 tokens needs at least [\d,]+ MB in a forward \+ backward pass, more than the 3,000 MB a pass may take/,
    );
    await expectFailure(
      ['train', ...TINY, '--n-layer', '64', '--n-head', '64', '--n-embd', '16384', '--out', huge],
      /invalid model setting: a model of 64 layers, 16384 wide and \d+ ids has 206,[\d,]+ parameters, more than the budget of 500,000,000/,
    );
    await expectFailure(
      ['train', ...TINY, '--batch-size', '10000000', '--out', huge],
      'a batch of 10000000 × 8 = 80,000,000 tokens is more than MAX_BATCH_TOKENS = 16,777,216 held at once',
    );
    expect(existsSync(many) || existsSync(huge)).toBe(false);
  });

  it("prints next commands that run as printed, through the checkout's ./scratchgpt", async () => {
    const repo = join(import.meta.dirname, '../../..');
    const out = join(dir, 'hinted');
    const { stderr } = await promisify(execFile)(
      './scratchgpt',
      ['train', ...TINY, '--max-iters', '2', '--eval-interval', '2', '--out', out],
      { cwd: repo },
    );
    const hint = /sample from it: (.*)/.exec(stderr)![1]!;
    expect(hint).toBe(`./scratchgpt sample --run ${out}`);
    const { stdout } = await promisify(execFile)('sh', ['-c', `${hint} --max-new-tokens 5`], { cwd: repo });
    expect(stdout.length).toBeGreaterThan(5);
    // Run as `node <path>`, the hint says so.
    const direct = await ok(['train', '--out', out, '--resume', '--max-iters', '3']);
    expect(/sample from it: (.*)/.exec(direct.stderr)![1]).toBe(`node ${cli} sample --run ${out}`);
  });

  it('tokenize refuses text that is not UTF-8 instead of replacing its bytes, and converts it when asked', async () => {
    const latin1 = join(dir, 'latin1-tokenize.txt');
    writeFileSync(latin1, new Uint8Array([99, 97, 102, 0xe9, 10]));
    await expectFailure(['tokenize', '--data', latin1, '--tokenizers', 'char'], 'is not valid UTF-8: the bytes at offset 3');
    const { stdout } = await ok(['tokenize', '--data', latin1, '--tokenizers', 'char', '--encoding', 'latin1', '--json']); // converted when asked
    const report = JSON.parse(stdout);
    expect([report.chars, report.rows[0].vocabSize]).toEqual([5, 5]); // c a f é \n: é is one character, not a U+FFFD
    const large = join(dir, 'large.txt');
    writeFileSync(large, '');
    truncateSync(large, 600 * 2 ** 20); // sparse: nothing is written
    await expectFailure(['tokenize', '--data', large, '--tokenizers', 'char'], 'is 600 MiB; a text is read whole, up to 512 MiB');
  });
});
