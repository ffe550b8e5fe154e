/**
 * What a browser bundle of the built package holds: a page that uses only `CharTokenizer` must
 * not carry tiktoken's 5.6 MB WASM; one that uses `TiktokenTokenizer` does; and the
 * `/core` entry bundles with no WASM set-up at all. Bundles the built `dist` (build the package
 * first) with esbuild, the bundler tsup runs on, through a `node_modules` link as an app would
 * install the package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = resolve(import.meta.dirname, '..');
/** The part of esbuild's API used here (esbuild comes with tsup, a dev dependency of the repository). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{
    outputFiles: Array<{ text: string }>;
    metafile: { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  }>;
}
const esbuild = createRequire(realpathSync(createRequire(import.meta.url).resolve('tsup/package.json')))('esbuild') as Esbuild;

let app: string;
beforeAll(() => {
  if (!existsSync(join(packageDir, 'dist/index.js')))
    throw new Error('Build the package first: pnpm --filter @scratchgpt/tokenizers build');
  app = mkdtempSync(join(tmpdir(), 'scratchgpt-bundle-'));
  mkdirSync(join(app, 'node_modules/@scratchgpt'), { recursive: true });
  symlinkSync(packageDir, join(app, 'node_modules/@scratchgpt/tokenizers'), 'dir');
});

/**
 * Bundles a one-file app for the browser; `.wasm` files are inlined (so they count in the size),
 * unless `wasm` is false: then esbuild has no loader for them and fails on any it meets.
 * `inputs`: the files with code in the output (esbuild reads more than it keeps).
 */
async function bundle(source: string, wasm = true): Promise<{ code: string; inputs: string[] }> {
  const entry = join(app, `entry-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(entry, source);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    loader: wasm ? { '.wasm': 'binary' } : {},
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output!.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
  return { code: result.outputFiles[0]!.text, inputs: inputs.map(([path]) => path) };
}

describe('browser bundles', () => {
  it('of CharTokenizer alone hold no tiktoken and stay small', async () => {
    const { code, inputs } = await bundle(
      "import { CharTokenizer } from '@scratchgpt/tokenizers'; console.log(JSON.stringify(CharTokenizer.fromText('ab').encode('ab')));",
    );
    expect(inputs.filter((path) => path.includes('tiktoken'))).toEqual([]);
    expect(code.length).toBeLessThan(100_000);
    expect(execFileSync(process.execPath, ['--input-type=module'], { input: code, encoding: 'utf8' }).trim()).toBe('[0,1]');
  });

  it('of the BPE tokenizer and a loader for saved char and BPE tokenizers hold no tiktoken either', async () => {
    const { code, inputs } = await bundle(
      "import { BpeTokenizer, CharTokenizer, createTokenizerLoader } from '@scratchgpt/tokenizers';\n" +
        'const load = createTokenizerLoader([CharTokenizer, BpeTokenizer]);\n' +
        "console.log(JSON.stringify(load(JSON.stringify(BpeTokenizer.train('aaab', { vocabSize: 257 }))).encode('aa')));",
    );
    expect(inputs.filter((path) => path.includes('tiktoken'))).toEqual([]);
    expect(code.length).toBeLessThan(100_000);
    expect(execFileSync(process.execPath, ['--input-type=module'], { input: code, encoding: 'utf8' }).trim()).toBe('[256]');
  });

  it("of '@scratchgpt/tokenizers/core' need no WASM set-up: nothing there reaches tiktoken", async () => {
    const { code, inputs } = await bundle(
      "import { CharTokenizer, createTokenizerLoader } from '@scratchgpt/tokenizers/core';\n" +
        "console.log(JSON.stringify(createTokenizerLoader([CharTokenizer])(CharTokenizer.fromText('ab').toJSON()).encode('ba')));",
      false,
    );
    expect(inputs.filter((path) => path.includes('tiktoken'))).toEqual([]);
    expect(execFileSync(process.execPath, ['--input-type=module'], { input: code, encoding: 'utf8' }).trim()).toBe('[1,0]');
    await expect(bundle("import { CharTokenizer } from '@scratchgpt/tokenizers'; console.log(CharTokenizer);", false)).rejects.toThrow(
      'No loader is configured for ".wasm" files',
    ); // the root entry reaches tiktoken, so a bundler must be able to read its WASM even when it drops it
  });

  it('core is the root entry but for what uses tiktoken', async () => {
    const root = Object.keys(await import(join(packageDir, 'dist/index.js')));
    const core = Object.keys(await import(join(packageDir, 'dist/core.js')));
    expect(root.filter((name) => !core.includes(name)).sort()).toEqual([
      'TIKTOKEN_VOCAB_SIZES',
      'TOKENIZER_KINDS',
      'TiktokenTokenizer',
      'createTokenizer',
      'loadTokenizer',
    ]);
    expect(core.filter((name) => !root.includes(name))).toEqual([]);
  });

  it('of TiktokenTokenizer or loadTokenizer (which reads every kind) hold tiktoken and its WASM', async () => {
    for (const name of ['TiktokenTokenizer', 'loadTokenizer']) {
      const { code, inputs } = await bundle(`import { ${name} } from '@scratchgpt/tokenizers'; console.log(${name});`);
      expect(inputs.some((path) => path.endsWith('tiktoken_bg.wasm'))).toBe(true);
      expect(code.length).toBeGreaterThan(5_000_000);
    }
  });
});
