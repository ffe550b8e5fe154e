/**
 * "Install a single package from npm" works: every publishable package is packed with pnpm,
 * installed from its tarball with npm into a fresh project outside the workspace, imported by
 * its public name and used.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

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
  // The README's script (packages/train/README.md), as written there, with maxIters cut to 20.
  '@scratchgpt/train': readmeScript(),
};

/** The first TypeScript block of the train README, with its recipe cut to 20 steps and a check of what it printed. */
function readmeScript(): string {
  const readme = readFileSync(join(root, 'packages/train/README.md'), 'utf8');
  const script = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const recipe = '{ ...recipes.shakespeareCharCpu,';
  if (!script.includes(recipe)) throw new Error(`the train README's script no longer uses ${recipe}; update this test`);
  const short = script.replace(recipe, `${recipe} maxIters: 20, evalInterval: 10, evalIters: 4,`);
  // Its evaluations print "step N: val loss X": three of them, the loss going down.
  return `const log = console.log; const lines = []; console.log = (line) => { lines.push(line); log(line); };
${short}
console.log = log;
const losses = lines.map((l) => /^step (\\d+): val loss (\\d\\.\\d+)$/.exec(l)).filter(Boolean);
check(losses.map((m) => m[1]).join() === '0,10,20' && Number(losses[2][2]) < Number(losses[0][2]) - 0.3, 'the README script trains: ' + lines.join(' | '));
const { existsSync } = await import('node:fs');
check(existsSync('ckpt.safetensors'), 'its checkpoint');`;
}

describe('pack and install', () => {
  it('has a usage check for every publishable package', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual(Object.keys(usage).sort());
  });

  it('installs every package from its tarball outside the workspace and uses it', () => {
    const work = mkdtempSync(join(tmpdir(), 'scratchgpt-pack-'));
    const tarballs = packages.map(({ dir }) => {
      const out = execFileSync(process.env.PNPM ?? 'pnpm', ['pack', '--pack-destination', work], { cwd: dir, encoding: 'utf8' });
      return out.trim().split('\n').pop()!.trim();
    });
    for (const tarball of tarballs) expect(existsSync(tarball)).toBe(true);

    const project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // The backends are the user's choice (tfjs-core comes as a peer dependency).
    const backends = ['@tensorflow/tfjs-backend-cpu@4.22.0', '@tensorflow/tfjs-backend-wasm@4.22.0'];
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...backends], {
      cwd: project,
      stdio: 'pipe',
    });

    for (const { manifest } of packages) {
      const script = `const check = (ok, what) => { if (!ok) throw new Error('failed: ' + what); };\n${usage[manifest.name]}\nconsole.log('ok');`;
      const file = join(project, `${manifest.name.split('/')[1]}.mjs`);
      writeFileSync(file, script);
      expect(execFileSync('node', [file], { cwd: project, encoding: 'utf8' }).trim().split('\n').at(-1)).toBe('ok');
    }
  }, 300_000);
});
