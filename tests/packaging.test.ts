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
    import { DataLoader, SlidingWindowDataset, trainValSplit, writeTokenCache, readTokenCache } from '@scratchgpt/data';
    import { DATASETS } from '@scratchgpt/data/node';
    const { train } = trainValSplit(Array.from({ length: 100 }, (_, i) => i % 7), 0.9);
    const loader = new DataLoader(new SlidingWindowDataset(train, { maxLength: 8, stride: 4 }), { batchSize: 4, shuffle: true, seed: 1 });
    const batches = [...loader];
    check(batches.length === 6 && batches[0].x.length === 32, 'batches'); // 21 windows of 8
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
    import { GPT, presets } from '@scratchgpt/model';
    await tf.setBackend('cpu');
    const model = new GPT({ ...presets.shakespeareCharCpu, nLayer: 1 });
    const ids = await model.generate([0], { maxNewTokens: 5, temperature: 0 });
    const again = GPT.fromSafetensors(model.toSafetensors(), { ...presets.shakespeareCharCpu, nLayer: 1 });
    check(JSON.stringify(await again.generate([0], { maxNewTokens: 5, temperature: 0 })) === JSON.stringify(ids), 'generate');`,
  '@scratchgpt/train': `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { GPT } from '@scratchgpt/model';
    import { AdamW, decayedParameters, restoreCheckpoint, trainStep, writeCheckpoint } from '@scratchgpt/train';
    import { saveCheckpoint, loadCheckpoint } from '@scratchgpt/train/node';
    await tf.setBackend('cpu');
    const model = new GPT({ vocabSize: 7, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8, dropout: 0, bias: true });
    const opt = new AdamW(model.namedParameters(), decayedParameters(model));
    const x = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'), y = tf.tensor2d([[2, 3, 4, 5]], [1, 4], 'int32');
    const { loss } = trainStep(model, [{ x, y }], opt);
    await saveCheckpoint('ckpt.safetensors', writeCheckpoint(model, opt, {}));
    check(Number.isFinite(loss) && (await loadCheckpoint('ckpt.safetensors')).state.step === 1, 'train');`,
};

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
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...backends], { cwd: project, stdio: 'pipe' });

    for (const { manifest } of packages) {
      const script = `const check = (ok, what) => { if (!ok) throw new Error('failed: ' + what); };\n${usage[manifest.name]}\nconsole.log('ok');`;
      const file = join(project, `${manifest.name.split('/')[1]}.mjs`);
      writeFileSync(file, script);
      expect(execFileSync('node', [file], { cwd: project, encoding: 'utf8' }).trim()).toBe('ok');
    }
  }, 300_000);
});
