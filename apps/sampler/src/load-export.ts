/**
 * Loads a model exported by `scratchgpt export` (the export format of `@scratchgpt/model`), from
 * the URL of its manifest or from files the user picked. The format's reader checks every file
 * against the manifest (size and sha256) before anything is built.
 */
import { EXPORT_FILES, EXPORT_MANIFEST, readExport, type ExportManifest, type GPT, type ResolvedGPTConfig } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';

export interface LoadedModel {
  manifest: ExportManifest;
  config: ResolvedGPTConfig;
  model: GPT;
  tokenizer: Tokenizer;
  /** Where it came from: a URL or "local files". */
  origin: string;
}

/** Builds the model and the tokenizer through a way to read each file of the export by its name. */
async function build(read: (path: string) => Promise<Uint8Array>, origin: string): Promise<LoadedModel> {
  const { manifest, model, tokenizerJSON } = await readExport(read);
  try {
    return { manifest, config: model.config, model, tokenizer: loadTokenizer(tokenizerJSON), origin };
  } catch (error) {
    model.dispose();
    throw new Error(`the export's tokenizer cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
}

/** From the URL of an export's manifest.json; the other files sit beside it. */
export async function loadFromUrl(url: string): Promise<LoadedModel> {
  const base = new URL(url, location.href);
  return build(async (path) => {
    const target = path === EXPORT_MANIFEST ? base : new URL(path, base);
    const response = await fetch(target).catch((error: Error) => {
      throw new Error(`could not fetch ${target}: ${error.message}`);
    });
    if (!response.ok) throw new Error(`could not fetch ${target}: HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  }, base.href);
}

/** From files the user picked or dropped (the four files of one export). */
export async function loadFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const names = [EXPORT_MANIFEST, ...Object.values(EXPORT_FILES)].join(', ');
  return build(async (name) => {
    const file = byName.get(name);
    if (file === undefined) throw new Error(`${name} is missing: pick all four files of the export (${names}).`);
    return new Uint8Array(await file.arrayBuffer());
  }, 'local files');
}
