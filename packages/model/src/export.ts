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
 * An export is untrusted input: the manifest and each file are bounded ({@link EXPORT_LIMITS},
 * {@link maxWeightsBytes}), each file's length is checked before its sha256, and the config is
 * checked against the weights (every tensor, its shape, finite values, the parameter budget)
 * before the model is built.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { resolveConfig, type GPTConfig } from './config';
import { GPT } from './gpt';
import { MAX_PARAMETERS, type LoadLimits } from './load-checks';
import { MAX_SAFETENSORS_HEADER_BYTES } from './safetensors';

export const EXPORT_FORMAT = 'scratchgpt-export/1';

/** The files of an export, by role. Their names are fixed: a manifest cannot point elsewhere. */
export const EXPORT_FILES = { config: 'config.json', weights: 'model.safetensors', tokenizer: 'tokenizer.json' } as const;
export const EXPORT_MANIFEST = 'manifest.json';

/**
 * The largest manifest, config and tokenizer file {@link readExport} reads, in bytes, so that a
 * damaged file, or one made to exhaust memory, is refused before it is read or hashed. A manifest
 * or config is under 1 KB; the tokenizer's cap is as many bytes as `loadTokenizer` of
 * `@scratchgpt/tokenizers` reads characters (its `TOKENIZER_LIMITS.maxSerializedChars`). The
 * weights' cap follows the parameter budget: {@link maxWeightsBytes}.
 */
export const EXPORT_LIMITS = {
  /** `manifest.json`: 1 MiB. */
  manifestBytes: 1024 * 1024,
  /** `config.json`: 1 MiB. */
  configBytes: 1024 * 1024,
  /** `tokenizer.json`: 64 MiB. */
  tokenizerBytes: 64 * 1024 * 1024,
} as const;

/**
 * The largest `model.safetensors` {@link readExport} reads for a parameter budget (default
 * `MAX_PARAMETERS`): 8 bytes a parameter (float32, and a tied head is written twice, as nanoGPT
 * does), the 8-byte length and the largest safetensors header. Raise it with `maxParameters`.
 */
export function maxWeightsBytes(maxParameters: number = MAX_PARAMETERS): number {
  return 8 * maxParameters + 8 + MAX_SAFETENSORS_HEADER_BYTES;
}

/**
 * Whether a name is a plain file name: 1 to 255 characters, no directory part (`/`, `\\`), not `.`
 * or `..`, no `:` (a URL scheme, a Windows drive) and no control characters. Readers of an export
 * (a directory, files a user picked, URLs beside a manifest) open only such names.
 */
export function isPlainFileName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    !/[/\\:\u0000-\u001f\u007f]/.test(name)
  );
}

/**
 * Reads one file of an export by its plain name. `maxBytes` is the most it may hold (the
 * manifest's cap, then the size the manifest lists): a reader that can tell a file's size before
 * reading it (a `File`, a response's `Content-Length`) should refuse a larger one; {@link readExport}
 * checks the length of what it gets either way.
 */
export type ExportReader = (name: string, maxBytes: number) => Promise<Uint8Array>;

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
 * Reads an export through `read(name, maxBytes)` (a file read, a `fetch`, a picked file), checking
 * before anything is built: the manifest (at most `EXPORT_LIMITS.manifestBytes`, field by field,
 * the fixed file names, each listed size under its cap), each file's length and then its sha256,
 * and the config against the weights (see `GPT.fromSafetensors`: every tensor with its shape,
 * finite values, at most `maxParameters`). Returns the manifest, the model (in eval mode) and the
 * tokenizer's JSON text (load it with `loadTokenizer`).
 */
export async function readExport(
  read: ExportReader,
  options: LoadLimits = {},
): Promise<{ manifest: ExportManifest; model: GPT; tokenizerJSON: string }> {
  const manifestBytes = await read(EXPORT_MANIFEST, EXPORT_LIMITS.manifestBytes);
  if (manifestBytes.length > EXPORT_LIMITS.manifestBytes) {
    throw new Error(
      `${EXPORT_MANIFEST} is ${manifestBytes.length.toLocaleString('en-US')} bytes, over the limit of ${EXPORT_LIMITS.manifestBytes.toLocaleString('en-US')} (EXPORT_LIMITS.manifestBytes): it is not the manifest of an export; pass the ${EXPORT_MANIFEST} written by \`scratchgpt export\`.`,
    );
  }
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes), options.maxParameters ?? MAX_PARAMETERS);
  const checked = async (key: keyof typeof EXPORT_FILES) => {
    const expected = manifest.files[key];
    const bytes = await read(EXPORT_FILES[key], expected.bytes);
    const mismatch = (found: string, listed: string) =>
      new Error(
        `${EXPORT_FILES[key]} does not match ${EXPORT_MANIFEST} (${found}; it lists ${listed}): the files are from different exports or damaged; export the model again.`,
      );
    if (bytes.length !== expected.bytes) throw mismatch(`${bytes.length} bytes`, `${expected.bytes}`); // before hashing
    const actual = hex(bytes);
    if (actual !== expected.sha256) throw mismatch(`sha256 ${actual.slice(0, 12)}…`, `${expected.sha256.slice(0, 12)}…`);
    return bytes;
  };
  const config = parseConfig(new TextDecoder().decode(await checked('config')));
  const tokenizerJSON = new TextDecoder().decode(await checked('tokenizer'));
  let model: GPT;
  try {
    model = GPT.fromSafetensors(await checked('weights'), config, { maxParameters: options.maxParameters });
  } catch (error) {
    throw new Error(`${EXPORT_FILES.weights} does not fit ${EXPORT_FILES.config}: ${(error as Error).message}`, { cause: error });
  }
  model.eval();
  return { manifest, model, tokenizerJSON };
}

/** `config.json`, parsed and checked as a GPTConfig (the weights are checked against it next). */
function parseConfig(text: string): GPTConfig {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new Error(`${EXPORT_FILES.config} is not JSON: ${(error as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(
      `${EXPORT_FILES.config} must be a JSON object (a GPTConfig), got ${JSON.stringify(config)?.slice(0, 40)}; export the model again with \`scratchgpt export\`.`,
    );
  }
  try {
    resolveConfig(config as GPTConfig);
  } catch (error) {
    throw new Error(`${EXPORT_FILES.config} is not a valid config: ${(error as Error).message}`, { cause: error });
  }
  return config as GPTConfig;
}

/** The manifest, checked field by field (sizes against their caps); the error says what is wrong and what to do. */
function parseManifest(text: string, maxParameters: number): ExportManifest {
  let m: Partial<ExportManifest>;
  try {
    m = JSON.parse(text) as Partial<ExportManifest>;
  } catch {
    throw new Error(`${EXPORT_MANIFEST} is not JSON; pass the ${EXPORT_MANIFEST} written by \`scratchgpt export\`.`);
  }
  const fail = (what: string): never => {
    throw new Error(`${EXPORT_MANIFEST} ${what}; export the model again with \`scratchgpt export\`.`);
  };
  const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail('is not an object');
  if (m.format !== EXPORT_FORMAT) fail(`has format ${JSON.stringify(m.format ?? null)}, not ${EXPORT_FORMAT}`);
  const s = m.source;
  if (
    s === null ||
    typeof s !== 'object' ||
    typeof s.run !== 'string' ||
    !count(s.step) ||
    !(s.valLoss === null || Number.isFinite(s.valLoss)) ||
    typeof s.preset !== 'string'
  ) {
    fail('has no valid source (run, step, valLoss, preset)');
  }
  if (!count(m.params)) fail('has no valid params');
  if (typeof m.tokenizer !== 'string') fail('has no valid tokenizer name');
  const caps: Record<keyof typeof EXPORT_FILES, [number, string]> = {
    config: [EXPORT_LIMITS.configBytes, '(EXPORT_LIMITS.configBytes)'],
    tokenizer: [EXPORT_LIMITS.tokenizerBytes, '(EXPORT_LIMITS.tokenizerBytes)'],
    weights: [
      maxWeightsBytes(maxParameters),
      `for a model of at most ${maxParameters.toLocaleString('en-US')} parameters (maxParameters); pass a larger maxParameters to readExport to load a model this large`,
    ],
  };
  for (const key of Object.keys(EXPORT_FILES) as Array<keyof typeof EXPORT_FILES>) {
    const entry = m.files?.[key];
    if (entry?.path !== EXPORT_FILES[key]) fail(`does not list ${EXPORT_FILES[key]} as its ${key} file`);
    if (!count(entry!.bytes) || typeof entry!.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry!.sha256)) {
      fail(`has no valid size and sha256 for ${EXPORT_FILES[key]}`);
    }
    const [cap, why] = caps[key];
    if (entry!.bytes > cap) {
      throw new Error(
        `${EXPORT_MANIFEST} lists ${EXPORT_FILES[key]} as ${entry!.bytes.toLocaleString('en-US')} bytes, over the limit of ${cap.toLocaleString('en-US')} ${why}; nothing was read.`,
      );
    }
  }
  return m as ExportManifest;
}

/**
 * Refuses a tokenizer with more ids than the model has embeddings (ids past the vocabulary would
 * index nothing); `what` names it in the message, e.g. "the export's tokenizer".
 */
export function checkTokenizerFits(model: { config: { vocabSize: number } }, tokenizer: { vocabSize: number }, what: string): void {
  const V = model.config.vocabSize;
  if (tokenizer.vocabSize > V)
    throw new Error(
      `${what} has ${tokenizer.vocabSize} ids, more than the model's vocabulary of ${V}: ids ${V} to ${tokenizer.vocabSize - 1} have no embedding; the tokenizer is not the model's.`,
    );
}
