/**
 * `scratchgpt export`: a run's model as the browser sampler loads it, one directory of
 * - `config.json`: the resolved GPTConfig;
 * - `model.safetensors`: the weights in nanoGPT's names and layouts;
 * - `tokenizer.json`: the tokenizer's versioned JSON;
 * - `manifest.json`: format, source run, and the size and sha256 of each file above.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@scratchgpt/data/node';
import { GPT, type ResolvedGPTConfig } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';
import { selectBackend, type BackendChoice } from './backend';
import { loadRun } from './run-dir';

export const EXPORT_FORMAT = 'scratchgpt-export/1';

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  /** Where the model came from. */
  source: { run: string; step: number; valLoss: number | null; preset: string };
  params: number;
  tokenizer: string;
  files: Record<'config' | 'weights' | 'tokenizer', { path: string; bytes: number; sha256: string }>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function exportCommand(opts: { run: string; out: string; backend?: BackendChoice }): Promise<ExportManifest> {
  await selectBackend(opts.backend ?? 'auto');
  if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw new Error(`--out ${opts.out} is a file; pass a directory for the export.`);
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0 && !existsSync(join(opts.out, 'manifest.json'))) {
    throw new Error(`${opts.out} is not empty and holds no export; pass an empty or new directory to --out.`);
  }
  const { model, optimizer, tokenizer, step, metrics, extra } = await loadRun(opts.run);
  optimizer.dispose();
  try {
    const valLoss = metrics.findLast((m) => m.valLoss !== undefined)?.valLoss ?? null;
    return await writeExport(opts.out, model, tokenizer, { run: opts.run, step, valLoss, preset: extra.preset });
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}

/** Writes `model` and `tokenizer` as an export into `out` (each file atomically, the manifest last). */
export async function writeExport(out: string, model: GPT, tokenizer: Tokenizer, source: ExportManifest['source']): Promise<ExportManifest> {
  const files = {
    config: { path: 'config.json', data: new TextEncoder().encode(`${JSON.stringify(model.config, null, 2)}\n`) },
    weights: { path: 'model.safetensors', data: model.toSafetensors() },
    tokenizer: { path: 'tokenizer.json', data: new TextEncoder().encode(JSON.stringify(tokenizer.toJSON())) },
  };
  const entry = ({ path, data }: { path: string; data: Uint8Array }) => ({ path, bytes: data.length, sha256: sha256(data) });
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    source,
    params: model.numParams(),
    tokenizer: tokenizer.name,
    files: { config: entry(files.config), weights: entry(files.weights), tokenizer: entry(files.tokenizer) },
  };
  await mkdir(out, { recursive: true });
  for (const { path, data } of Object.values(files)) await writeFileAtomic(join(out, path), data);
  await writeFileAtomic(join(out, 'manifest.json'), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

/** Reads an export back, checking every file against the manifest. */
export async function readExport(dir: string): Promise<{ manifest: ExportManifest; model: GPT; tokenizer: Tokenizer }> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
  if (manifest.format !== EXPORT_FORMAT) throw new Error(`${dir}/manifest.json has format ${JSON.stringify(manifest.format)}, not ${EXPORT_FORMAT}.`);
  const read = async (key: keyof ExportManifest['files']) => {
    const entry = manifest.files[key];
    const data = new Uint8Array(await readFile(join(dir, entry.path)));
    if (sha256(data) !== entry.sha256) throw new Error(`${join(dir, entry.path)} does not match the sha256 in its manifest; export the model again.`);
    return data;
  };
  const decoder = new TextDecoder();
  const config = JSON.parse(decoder.decode(await read('config'))) as ResolvedGPTConfig;
  const tokenizer = loadTokenizer(decoder.decode(await read('tokenizer')));
  const model = GPT.fromSafetensors(await read('weights'), config);
  return { manifest, model, tokenizer };
}
