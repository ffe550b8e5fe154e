/**
 * Loads a model exported by `scratchgpt export` (format `scratchgpt-export/1`): from the URL of its
 * manifest, or from files the user picked. Every file is checked against the manifest's sha256.
 */
import { GPT, type ResolvedGPTConfig } from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';

export const EXPORT_FORMAT = 'scratchgpt-export/1';

interface FileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  format: string;
  source: { run: string; step: number; valLoss: number | null; preset: string };
  params: number;
  tokenizer: string;
  files: Record<'config' | 'weights' | 'tokenizer', FileEntry>;
}

export interface LoadedModel {
  manifest: ExportManifest;
  config: ResolvedGPTConfig;
  model: GPT;
  tokenizer: Tokenizer;
  /** Where it came from: a URL or "local files". */
  origin: string;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the model from the manifest and a way to read each file by its path. */
async function build(manifestText: string, read: (path: string) => Promise<Uint8Array>, origin: string): Promise<LoadedModel> {
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(manifestText) as ExportManifest;
  } catch {
    throw new Error('manifest.json is not JSON; pass the manifest.json written by `scratchgpt export`.');
  }
  if (manifest.format !== EXPORT_FORMAT) throw new Error(`manifest.json has format ${JSON.stringify(manifest.format ?? null)}, not ${EXPORT_FORMAT}: export the model again with \`scratchgpt export\`.`);
  const checked = async (key: keyof ExportManifest['files']) => {
    const entry = manifest.files[key];
    const bytes = await read(entry.path);
    const actual = await sha256Hex(bytes);
    if (actual !== entry.sha256) throw new Error(`${entry.path} does not match the manifest (sha256 ${actual.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…): the files are from different exports or damaged.`);
    return bytes;
  };
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const config = JSON.parse(text(await checked('config'))) as ResolvedGPTConfig;
  let tokenizer: Tokenizer;
  try {
    tokenizer = loadTokenizer(text(await checked('tokenizer')));
  } catch (error) {
    throw new Error(`the export's tokenizer cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  const model = GPT.fromSafetensors(await checked('weights'), config);
  model.eval();
  return { manifest, config, model, tokenizer, origin };
}

/** From the URL of an export's manifest.json; the other files sit beside it. */
export async function loadFromUrl(url: string): Promise<LoadedModel> {
  const base = new URL(url, location.href);
  const fetchBytes = async (path: string) => {
    const target = new URL(path, base);
    const response = await fetch(target).catch((error: Error) => {
      throw new Error(`could not fetch ${target}: ${error.message}`);
    });
    if (!response.ok) throw new Error(`could not fetch ${target}: HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  };
  return build(new TextDecoder().decode(await fetchBytes(base.href)), fetchBytes, base.href);
}

/** From files the user picked or dropped (the four files of one export). */
export async function loadFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const get = async (name: string) => {
    const file = byName.get(name);
    if (file === undefined) throw new Error(`${name} is missing: pick all four files of the export (manifest.json, config.json, model.safetensors, tokenizer.json).`);
    return new Uint8Array(await file.arrayBuffer());
  };
  return build(new TextDecoder().decode(await get('manifest.json')), get, 'local files');
}
