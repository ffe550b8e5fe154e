/**
 * "Install a single package from npm" works: every publishable package is packed with pnpm,
 * checked as a published tarball (tests/tarball.ts: LICENSE, real version ranges, repository
 * links, no dangling source maps), installed from its tarball with npm into a fresh project outside
 * the workspace, imported by its public name and used: by a usage script of ours, and by every
 * TypeScript/JavaScript example of its README, type-checked against the installed types and run as
 * written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspacePackages } from './release';
import { pack, root, tarballProblems } from './tarball';

const packages = workspacePackages()
  .filter(({ manifest }) => !manifest.private)
  .map(({ directory, manifest }) => ({ dir: join(root, directory), manifest }));

/** A script per package that uses it through its public name, as a README reader would. */
const usage: Record<string, string> = {
  '@scratchgpt/tokenizers': `
    import { BpeTokenizer, CharTokenizer, TiktokenTokenizer, loadTokenizer } from '@scratchgpt/tokenizers';
    const char = CharTokenizer.fromText('hii there');
    check(char.decode(char.encode('hii there')) === 'hii there', 'char round-trip');
    const gpt2 = new TiktokenTokenizer('gpt2');
    check(JSON.stringify(gpt2.encode('hello world')) === '[31373,995]', 'gpt2 ids');
    gpt2.dispose();
    const bpe = BpeTokenizer.train('aaabdaaabac', { vocabSize: 259, pattern: 'none' });
    check(JSON.stringify(loadTokenizer(JSON.stringify(bpe)).encode('aaabdaaabac')) === '[258,100,258,97,99]', 'bpe ids');`,
  '@scratchgpt/data': `
    import { DataLoader, SlidingWindowDataset, createBatchSource, trainValSplit, writeTokenCache, readTokenCache } from '@scratchgpt/data';
    import { DATASETS } from '@scratchgpt/data/node';
    const { train } = trainValSplit(Array.from({ length: 100 }, (_, i) => i % 7), 0.9);
    const loader = new DataLoader(new SlidingWindowDataset(train, { maxLength: 8, stride: 4 }), { batchSize: 4, shuffle: true, seed: 1 });
    const batches = [...loader];
    check(batches.length === 6 && batches[0].x.length === 32, 'batches'); // 21 windows of 8
    const sliding = createBatchSource('sliding', train, { batchSize: 4, blockSize: 8, stride: 4, seed: 1 });
    check(sliding.next().x.join() === batches[0].x.join(), 'sliding = the shuffled loader');
    const fp = 'ab'.repeat(32);
    check(readTokenCache(writeTokenCache([1, 2, 3], { vocabSize: 7, tokenizer: fp, source: fp })).count === 3, 'cache');
    check(DATASETS.shakespeare.filename === 'tinyshakespeare.txt', 'datasets');`,
  '@scratchgpt/nn': `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-wasm';
    import { Embedding, Linear, gelu } from '@scratchgpt/nn';
    check(await tf.setBackend('wasm'), 'wasm backend');
    const emb = new Embedding(5, 3);
    const lin = new Linear(3, 2);
    // Gradients (tfjs-core alone has none) and the embedding gradient on wasm, under plain Node ESM.
    const { grads } = tf.variableGrads(() => tf.sum(gelu(lin.forward(emb.forward(tf.tensor2d([[1, 1, 4]], [1, 3], 'int32'))))));
    check(grads[emb.weight.name].shape.join() === '5,3' && grads[lin.weight.name].shape.join() === '3,2', 'grads');`,
  '@scratchgpt/attention': `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { KVCache, createAttention } from '@scratchgpt/attention';
    await tf.setBackend('cpu');
    const attn = createAttention('fused', { nEmbd: 8, nHead: 2, blockSize: 4 });
    const y = attn.forward(tf.ones([1, 4, 8]), { cache: new KVCache() });
    check(y.shape.join() === '1,4,8', 'attention');`,
  '@scratchgpt/model': `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { GPT, exportFiles, presets, readExport } from '@scratchgpt/model';
    await tf.setBackend('cpu');
    const model = new GPT({ ...presets.shakespeareCharCpu, nLayer: 1 });
    const ids = await model.generate([0], { maxNewTokens: 5, temperature: 0 });
    const again = GPT.fromSafetensors(await model.toSafetensors(), { ...presets.shakespeareCharCpu, nLayer: 1 });
    check(JSON.stringify(await again.generate([0], { maxNewTokens: 5, temperature: 0 })) === JSON.stringify(ids), 'generate');
    const { files } = await exportFiles(model, { name: 'char', toJSON: () => ({}) }, { run: 'r', step: 0, valLoss: null, preset: 'p' });
    const exported = await readExport(async (path) => files.find((f) => f.path === path).bytes);
    check(exported.model.numParams() === model.numParams(), 'export');`,
  '@scratchgpt/train': `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { GPT } from '@scratchgpt/model';
    import { memoryCheckpoints, train } from '@scratchgpt/train';
    await tf.setBackend('cpu');
    const model = new GPT({ vocabSize: 5, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true }, { seed: 1 });
    const ids = Array.from({ length: 400 }, (_, i) => i % 5);
    const config = { batchSize: 8, maxIters: 40, lr: 1e-2, evalInterval: 20, evalIters: 2 };
    const { step, metrics } = await train(model, { data: { train: ids, val: ids }, config, checkpoints: memoryCheckpoints() });
    const val = metrics.filter((m) => m.valLoss != null).map((m) => m.valLoss);
    check(step === 40 && val.length === 3 && val[2] < val[0] - 0.5, 'trains: ' + val.join());`,
};

/** A README's examples: its ```ts and ```js blocks, except a block right after `<!-- not run: reason -->`. */
function readmeExamples(markdown: string): string[] {
  const blocks = markdown.matchAll(/(<!--\s*not run:[^>]*-->\s*\n)?```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g);
  return [...blocks].filter((m) => !m[1]).map((m) => m[2]!);
}

/**
 * The only change an example gets here: a shorter run, then a check of what it did. Each edit names
 * the text it replaces, so a README that no longer has it fails here instead of running for an hour.
 */
const shorterRuns: Record<string, (code: string) => string> = {
  // The train README's first script: its recipe cut to 20 steps; its evaluations print "step N: val loss X".
  '@scratchgpt/train': (code) => {
    const recipe = '{ ...recipes.shakespeareCharCpu,';
    if (!code.includes(recipe)) throw new Error(`the train README's script no longer uses ${recipe}; update this test`);
    const short = code.replace(recipe, `${recipe} maxIters: 20, evalInterval: 10, evalIters: 4,`);
    return `const log = console.log; const lines: string[] = []; console.log = (line) => { lines.push(line); log(line); };
${short}
console.log = log;
const losses = lines.map((l) => /^step (\\d+): val loss (\\d\\.\\d+)$/.exec(l)).filter((m) => m !== null);
check(losses.map((m) => m[1]).join() === '0,10,20' && Number(losses[2]![2]) < Number(losses[0]![2]) - 0.3, 'the README script trains: ' + lines.join(' | '));
const { existsSync } = await import('node:fs');
check(existsSync('ckpt.safetensors'), 'its checkpoint');`;
  },
};

/** The `check(ok, what)` every script here starts with, in JavaScript (usage scripts) and TypeScript (README examples). */
const CHECK_JS = `const check = (ok, what) => { if (!ok) throw new Error('failed: ' + what); };\n`;
const CHECK_TS = `const check = (ok: unknown, what: string) => { if (!ok) throw new Error('failed: ' + what); };\n`;
const bin = (name: string) => join(root, 'node_modules/.bin', name);

describe('pack and install', () => {
  let tarballs: string[];
  let project: string;

  // Pack every package with pnpm (as `pnpm publish` does) and install the tarballs with npm.
  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), 'scratchgpt-pack-'));
    tarballs = packages.map(({ dir }) => pack(dir, work));
    project = join(work, 'app');
    mkdirSync(join(project, 'readme'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // The backends are the user's choice (tfjs-core comes as a peer dependency).
    const backends = ['@tensorflow/tfjs-backend-cpu@4.22.0', '@tensorflow/tfjs-backend-wasm@4.22.0'];
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...backends], {
      cwd: project,
      stdio: 'pipe',
    });
  }, 300_000);

  it('has a usage check for every publishable package', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual(Object.keys(usage).sort());
  });

  it('ships a LICENSE, real version ranges, repository links and no dangling source map in every tarball', () => {
    expect(tarballs.length).toBe(packages.length);
    const problems = packages.flatMap(({ dir }, i) => tarballProblems(tarballs[i]!, relative(root, dir)));
    expect(problems).toEqual([]);
  });

  it('installs every package from its tarball outside the workspace and uses it', () => {
    for (const { manifest } of packages) {
      const file = join(project, `${manifest.name.split('/')[1]}.mjs`);
      writeFileSync(file, `${CHECK_JS}${usage[manifest.name]}\nconsole.log('ok');`);
      expect(execFileSync('node', [file], { cwd: project, encoding: 'utf8' }).trim().split('\n').at(-1)).toBe('ok');
    }
  }, 300_000);

  it("runs every README's examples as written: type-checked against the installed types, then run", () => {
    const examples = packages.flatMap(({ dir, manifest }) =>
      readmeExamples(readFileSync(join(dir, 'README.md'), 'utf8')).map((code, i) => ({
        name: manifest.name as string,
        file: `${manifest.name.split('/')[1]}-${i + 1}.ts`,
        code,
      })),
    );
    expect(new Set(examples.map((e) => e.name)).size).toBe(packages.length); // every README has one
    for (const { file, code } of examples) writeFileSync(join(project, 'readme', file), code);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        include: ['readme/*.ts'],
      }),
    );
    const typecheck = (() => {
      try {
        return execFileSync(bin('tsc'), ['-p', project], { cwd: project, encoding: 'utf8' });
      } catch (error) {
        return String((error as { stdout?: string }).stdout ?? error);
      }
    })();
    expect(typecheck, 'the README examples do not type-check').toBe('');
    const shortened = new Set<string>(); // a README's first example is its long-running script
    for (const { name, file, code } of examples) {
      const run = join(project, `run-${file}`);
      const shorten = shortened.has(name) ? undefined : shorterRuns[name];
      shortened.add(name);
      writeFileSync(run, `${CHECK_TS}${shorten?.(code) ?? code}\nconsole.log('ok');`);
      const out = execFileSync(bin('tsx'), [run], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
      expect(out.trim().split('\n').at(-1), `${file}: ${out}`).toBe('ok');
    }
  }, 600_000);
});
