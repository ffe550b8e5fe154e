/**
 * `scratchgpt export`: a run's model as the browser sampler loads it, in the export format of
 * `@scratchgpt/model` (`scratchgpt-export/1`: config.json, model.safetensors, tokenizer.json and
 * manifest.json), each file written atomically and the manifest last.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@scratchgpt/data/node';
import {
  checkTokenizerFits,
  EXPORT_FILES,
  EXPORT_MANIFEST,
  exportFiles,
  readExport,
  type ExportManifest,
  type ExportReader,
} from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';
import type { GPT } from '@scratchgpt/model';
import { selectBackend, type BackendChoice } from './backend';
import { loadRun } from './run-dir';

export async function exportCommand(opts: { run: string; out: string; backend?: BackendChoice }): Promise<ExportManifest> {
  await selectBackend(opts.backend ?? 'auto');
  if (existsSync(opts.out) && !statSync(opts.out).isDirectory())
    throw new Error(`--out ${opts.out} is a file; pass a directory for the export.`);
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0 && !existsSync(join(opts.out, EXPORT_MANIFEST))) {
    throw new Error(`${opts.out} is not empty and holds no export; pass an empty or new directory to --out.`);
  }
  const { model, optimizer, tokenizer, state, training, extra } = await loadRun(opts.run);
  optimizer.dispose();
  try {
    const valLoss = training.metrics.findLast((m) => m.valLoss !== undefined)?.valLoss ?? null;
    const { manifest, files } = await exportFiles(model, tokenizer, { run: opts.run, step: state.step, valLoss, preset: extra.preset });
    await mkdir(opts.out, { recursive: true });
    for (const { path, bytes } of files) await writeFileAtomic(join(opts.out, path), bytes);
    return manifest;
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}

/**
 * Reads an export directory back, checking every file against the manifest; a file larger than
 * the manifest allows is refused by its size before it is read.
 */
export async function readExportDir(dir: string): Promise<{ manifest: ExportManifest; model: GPT; tokenizer: Tokenizer }> {
  const read: ExportReader = async (name, maxBytes) => {
    const path = join(dir, name); // a plain name: readExport opens only the export's fixed names
    const { size } = await stat(path);
    if (size > maxBytes) throw new Error(`${path} is ${size} bytes, over ${maxBytes}, the most the export's manifest allows it.`);
    return new Uint8Array(await readFile(path));
  };
  const { manifest, model, tokenizerJSON } = await readExport(read);
  try {
    const tokenizer = loadTokenizer(tokenizerJSON);
    checkTokenizerFits(model, tokenizer, `${join(dir, EXPORT_FILES.tokenizer)}`);
    return { manifest, model, tokenizer };
  } catch (error) {
    model.dispose();
    throw new Error(`${join(dir, EXPORT_FILES.tokenizer)} cannot be used: ${(error as Error).message}`, { cause: error });
  }
}
