/**
 * Loads a model exported by `scratchgpt export` (the export format of `@scratchgpt/model`), from
 * the URL of its manifest or from files the user picked. Both are untrusted: the format's reader
 * checks every file against the manifest (size, then sha256) and the config against the weights
 * before anything is built; here each file is opened by its plain name only (beside the manifest's
 * URL, or among the picked files), and a file larger than the manifest allows is refused before
 * it is read (a picked file's size, a response's Content-Length) or as soon as its body passes it.
 */
import {
  checkTokenizerFits,
  EXPORT_FILES,
  EXPORT_MANIFEST,
  isPlainFileName,
  readExport,
  type ExportManifest,
  type ExportReader,
  type GPT,
  type ResolvedGPTConfig,
} from '@scratchgpt/model';
import { loadTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';

export interface LoadedModel {
  manifest: ExportManifest;
  config: ResolvedGPTConfig;
  model: GPT;
  tokenizer: Tokenizer;
  /** Where it came from: a URL or "local files". */
  origin: string;
}

/** The four files of an export, for messages. */
const NAMES = [EXPORT_MANIFEST, ...Object.values(EXPORT_FILES)].join(', ');

/** Builds the model and the tokenizer through a way to read each file of the export by its name. */
async function build(read: ExportReader, origin: string): Promise<LoadedModel> {
  const { manifest, model, tokenizerJSON } = await readExport(read);
  let tokenizer: Tokenizer;
  try {
    tokenizer = loadTokenizer(tokenizerJSON);
  } catch (error) {
    model.dispose();
    throw new Error(`the export's tokenizer cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  try {
    checkTokenizerFits(model, tokenizer, "the export's tokenizer");
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { manifest, config: model.config, model, tokenizer, origin };
}

/**
 * The URL of an export's file `name` beside its manifest's URL: a plain file name only, resolved in
 * the manifest's directory on its origin (a query or fragment of the manifest's URL is dropped).
 */
export function exportFileUrl(manifestUrl: URL, name: string): URL {
  if (!isPlainFileName(name)) {
    throw new Error(`${JSON.stringify(name)} is not a plain file name; an export's files are ${NAMES}, beside its manifest.`);
  }
  const url = new URL(name, manifestUrl);
  const directory = (u: URL) => u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
  if (url.origin !== manifestUrl.origin || directory(url) !== directory(manifestUrl)) {
    throw new Error(`${url.href} is not beside ${manifestUrl.href}; an export's files are read from the manifest's directory only.`);
  }
  return url;
}

/** A response's body, refused when its Content-Length or the bytes that arrive pass `maxBytes`. */
async function readBody(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`${url.href} is ${declared} bytes (Content-Length), over ${maxBytes}, the most ${EXPORT_MANIFEST} allows it.`);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel();
      throw new Error(
        `${url.href} is over ${maxBytes} bytes, the most ${EXPORT_MANIFEST} allows it; the server sent another file than the export's.`,
      );
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** From the URL of an export's manifest.json; the other files sit beside it. */
export async function loadFromUrl(url: string): Promise<LoadedModel> {
  const base = new URL(url, globalThis.location?.href);
  return build(async (name, maxBytes) => {
    const target = name === EXPORT_MANIFEST ? base : exportFileUrl(base, name);
    const response = await fetch(target).catch((error: Error) => {
      throw new Error(`could not fetch ${target}: ${error.message}`);
    });
    if (!response.ok) throw new Error(`could not fetch ${target}: HTTP ${response.status}.`);
    return readBody(response, target, maxBytes);
  }, base.href);
}

/** From files the user picked or dropped (the four files of one export), matched by plain name. */
export async function loadFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const byName = new Map<string, File>();
  for (const file of files) {
    if (!isPlainFileName(file.name)) continue; // not a file of an export
    if (byName.has(file.name)) throw new Error(`two files named ${file.name} were picked: pick the four files of one export (${NAMES}).`);
    byName.set(file.name, file);
  }
  return build(async (name, maxBytes) => {
    const file = byName.get(name);
    if (file === undefined) throw new Error(`${name} is missing: pick all four files of the export (${NAMES}).`);
    if (file.size > maxBytes) throw new Error(`${name} is ${file.size} bytes, over ${maxBytes}, the most ${EXPORT_MANIFEST} allows it.`);
    return new Uint8Array(await file.arrayBuffer());
  }, 'local files');
}
