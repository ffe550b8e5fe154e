/**
 * The export format, `scratchgpt-export/1`: a trained model as a sampler loads it, four files in
 * one directory (its one home: the trainer writes it, the browser sampler and the benchmarks read
 * and write it through here):
 * - `config.json`: the resolved GPTConfig;
 * - `model.safetensors`: the weights in nanoGPT's names and layouts;
 * - `tokenizer.json`: the tokenizer's own versioned JSON (`@scratchgpt/tokenizers` loads it);
 * - `manifest.json`: the format, where the model came from, its parameters and tokenizer, and the
 *   size and sha256 of each file above (written last, so a manifest always describes whole files).
 * Bytes go in and out through callbacks, so files, `fetch` and files a user picked work alike.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { GPT } from './gpt';

export const EXPORT_FORMAT = 'scratchgpt-export/1';

/** The files of an export, by role. Their names are fixed: a manifest cannot point elsewhere. */
export const EXPORT_FILES = { config: 'config.json', weights: 'model.safetensors', tokenizer: 'tokenizer.json' } as const;
export const EXPORT_MANIFEST = 'manifest.json';

/** Where an exported model came from. */
export interface ExportSource {
  run: string;
  step: number;
  valLoss: number | null;
  preset: string;
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  source: ExportSource;
  params: number;
  /** The tokenizer's name (e.g. `char`, `bpe:512`). */
  tokenizer: string;
  files: Record<keyof typeof EXPORT_FILES, { path: string; bytes: number; sha256: string }>;
}

/** What an export needs of a tokenizer: its name and its JSON (every `@scratchgpt/tokenizers` tokenizer has both). */
export interface ExportableTokenizer {
  readonly name: string;
  toJSON(): unknown;
}

const hex = (bytes: Uint8Array) => bytesToHex(sha256(bytes));
const encode = (text: string) => new TextEncoder().encode(text);

/** The export's files in the order to write them (the manifest last), and the manifest. */
export async function exportFiles(
  model: GPT,
  tokenizer: ExportableTokenizer,
  source: ExportSource,
): Promise<{ manifest: ExportManifest; files: Array<{ path: string; bytes: Uint8Array }> }> {
  const data: Record<keyof typeof EXPORT_FILES, Uint8Array> = {
    config: encode(`${JSON.stringify(model.config, null, 2)}\n`),
    weights: await model.toSafetensors(),
    tokenizer: encode(JSON.stringify(tokenizer.toJSON())),
  };
  const entry = (key: keyof typeof EXPORT_FILES) => ({ path: EXPORT_FILES[key], bytes: data[key].length, sha256: hex(data[key]) });
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    source,
    params: model.numParams(),
    tokenizer: tokenizer.name,
    files: { config: entry('config'), weights: entry('weights'), tokenizer: entry('tokenizer') },
  };
  const files: Array<{ path: string; bytes: Uint8Array }> = (Object.keys(EXPORT_FILES) as Array<keyof typeof EXPORT_FILES>).map((key) => ({
    path: EXPORT_FILES[key],
    bytes: data[key],
  }));
  files.push({ path: EXPORT_MANIFEST, bytes: encode(`${JSON.stringify(manifest, null, 2)}\n`) });
  return { manifest, files };
}

/**
 * Reads an export through `read(path)` (a file read, a `fetch`, a picked file), checking the
 * manifest and each file's size and sha256 before building anything. Returns the manifest, the
 * model (in eval mode) and the tokenizer's JSON text (load it with `loadTokenizer`).
 */
export async function readExport(
  read: (path: string) => Promise<Uint8Array>,
): Promise<{ manifest: ExportManifest; model: GPT; tokenizerJSON: string }> {
  const manifest = parseManifest(new TextDecoder().decode(await read(EXPORT_MANIFEST)));
  const checked = async (key: keyof typeof EXPORT_FILES) => {
    const expected = manifest.files[key];
    const bytes = await read(EXPORT_FILES[key]);
    if (bytes.length !== expected.bytes || hex(bytes) !== expected.sha256) {
      throw new Error(
        `${EXPORT_FILES[key]} does not match ${EXPORT_MANIFEST} (${bytes.length} bytes, sha256 ${hex(bytes).slice(0, 12)}…; expected ${expected.bytes} bytes, ${expected.sha256.slice(0, 12)}…): the files are from different exports or damaged; export the model again.`,
      );
    }
    return bytes;
  };
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(await checked('config')));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${EXPORT_FILES.config} is not JSON: ${error.message}`);
    throw error;
  }
  const tokenizerJSON = new TextDecoder().decode(await checked('tokenizer'));
  const model = GPT.fromSafetensors(await checked('weights'), config as ConstructorParameters<typeof GPT>[0]);
  model.eval();
  return { manifest, model, tokenizerJSON };
}

/** The manifest, checked field by field; the error says what is wrong and what to do. */
function parseManifest(text: string): ExportManifest {
  let m: Partial<ExportManifest>;
  try {
    m = JSON.parse(text) as Partial<ExportManifest>;
  } catch {
    throw new Error(`${EXPORT_MANIFEST} is not JSON; pass the ${EXPORT_MANIFEST} written by \`scratchgpt export\`.`);
  }
  const fail = (what: string): never => {
    throw new Error(`${EXPORT_MANIFEST} ${what}; export the model again with \`scratchgpt export\`.`);
  };
  if (m === null || typeof m !== 'object') fail('is not an object');
  if (m.format !== EXPORT_FORMAT) fail(`has format ${JSON.stringify(m.format ?? null)}, not ${EXPORT_FORMAT}`);
  for (const key of Object.keys(EXPORT_FILES) as Array<keyof typeof EXPORT_FILES>) {
    const entry = m.files?.[key];
    if (entry?.path !== EXPORT_FILES[key]) fail(`does not list ${EXPORT_FILES[key]} as its ${key} file`);
    if (
      !Number.isSafeInteger(entry!.bytes) ||
      entry!.bytes < 0 ||
      typeof entry!.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(entry!.sha256)
    ) {
      fail(`has no valid size and sha256 for ${EXPORT_FILES[key]}`);
    }
  }
  return m as ExportManifest;
}
