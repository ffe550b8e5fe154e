/**
 * Reading text files as text, strictly: bytes that are not valid UTF-8 are an error naming the
 * file, the byte offset and the fixes, never silently replaced by U+FFFD (which would train a
 * model on replacement characters). A file in another encoding is converted only when asked.
 */
import { readFile, stat } from 'node:fs/promises';

/** How the bytes of a text file become text. */
export interface TextDecodingOptions {
  /**
   * The file's character encoding, as a WHATWG label: `'utf-8'` (default), `'latin1'` (read as
   * windows-1252, as browsers do), `'utf-16le'`, `'shift_jis'` and so on. A byte order mark is dropped.
   */
  encoding?: string;
  /**
   * Bytes that are not valid in `encoding`: `'error'` (default) throws an {@link InvalidTextError}
   * naming the byte offset; `'replace'` puts U+FFFD in their place.
   */
  invalidBytes?: 'error' | 'replace';
}

/** Thrown for bytes that are not valid text in the expected encoding. */
export class InvalidTextError extends Error {
  override name = 'InvalidTextError';
  constructor(
    /** The file (or other source) named in the message. */
    readonly source: string,
    /** The encoding the bytes were read as, by its WHATWG name (e.g. `utf-8`). */
    readonly encoding: string,
    /** Byte offset of the first invalid sequence; -1 when not known (encodings other than UTF-8). */
    readonly offset: number,
    /** What is wrong, without the advice (a command line says the fix with its own flags). */
    readonly problem: string,
    /** What to do, in this API's options. */
    advice: string,
  ) {
    super(`${problem} ${advice}`);
  }
}

/** The defaults, spelled once: strict UTF-8. */
export const DEFAULT_TEXT_DECODING = { encoding: 'utf-8', invalidBytes: 'error' } as const satisfies Required<TextDecodingOptions>;

/**
 * The encoding's WHATWG name (`'latin1'` → `'windows-1252'`) and the invalid-bytes rule, checked;
 * `source` names the file in errors.
 */
export function resolveTextDecoding(options: TextDecodingOptions, source: string): Required<TextDecodingOptions> {
  const { encoding = DEFAULT_TEXT_DECODING.encoding, invalidBytes = DEFAULT_TEXT_DECODING.invalidBytes } = options;
  if (invalidBytes !== 'error' && invalidBytes !== 'replace') {
    throw new Error(`${source}: invalidBytes must be 'error' or 'replace', got ${JSON.stringify(invalidBytes)}.`);
  }
  let name: string;
  try {
    name = new TextDecoder(encoding).encoding;
  } catch {
    throw new Error(
      `${source}: encoding ${JSON.stringify(encoding)} is not one TextDecoder knows; use a WHATWG label such as ` +
        "'utf-8', 'latin1', 'windows-1252' or 'utf-16le'.",
    );
  }
  return { encoding: name, invalidBytes };
}

/** Decodes bytes as text (see {@link TextDecodingOptions}); `source` names them in errors, e.g. the file's path. */
export function decodeText(bytes: Uint8Array, source: string, options: TextDecodingOptions = {}): string {
  const { encoding, invalidBytes } = resolveTextDecoding(options, source);
  try {
    return new TextDecoder(encoding, { fatal: invalidBytes === 'error' }).decode(bytes);
  } catch (cause) {
    if (!(cause instanceof TypeError)) throw cause;
    const fixes =
      "Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), read it in its encoding with encoding: 'latin1' (or another " +
      "WHATWG label, such as 'windows-1252' or 'utf-16le'), or replace invalid bytes with U+FFFD with invalidBytes: 'replace'.";
    if (encoding !== 'utf-8') {
      throw new InvalidTextError(source, encoding, -1, `${source} is not valid ${encoding} text.`, fixes);
    }
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
    const shown = Array.from(bytes.subarray(offset, offset + 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    throw new InvalidTextError(
      source,
      encoding,
      offset,
      `${source} is not valid UTF-8: the bytes at offset ${offset} (line ${line}) are not a UTF-8 sequence (${shown}).`,
      fixes,
    );
  }
}

/**
 * The largest text file read: a text is read whole into one JavaScript string, and V8's strings
 * stop at 2^29 − 24 UTF-16 code units (about 536 million); 512 MiB of UTF-8 is at most that many.
 */
export const MAX_TEXT_BYTES = 512 * 2 ** 20;

/**
 * Reads a text file (see {@link TextDecodingOptions}); returns its text and the bytes read. A file
 * over {@link MAX_TEXT_BYTES} is refused by its size before it is read: it could not become one string.
 */
export async function readTextFile(path: string, options: TextDecodingOptions = {}): Promise<{ text: string; bytes: Uint8Array }> {
  resolveTextDecoding(options, path); // a bad option is reported before the file is read
  const { size } = await stat(path);
  if (size > MAX_TEXT_BYTES)
    throw new Error(
      `${path} is ${Math.round(size / 2 ** 20).toLocaleString('en-US')} MiB; a text is read whole, up to ${MAX_TEXT_BYTES / 2 ** 20} MiB (JavaScript's string limit). Pass a part of it.`,
    );
  const bytes = new Uint8Array(await readFile(path));
  return { text: decodeText(bytes, path, options), bytes };
}

/**
 * Byte offset where the first invalid UTF-8 sequence starts (where a decoder puts its first
 * U+FFFD), or -1 when all bytes are valid UTF-8. Follows the WHATWG decoder: no overlong forms,
 * no surrogates, nothing above U+10FFFF, no sequence cut off by the end.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Bytes that follow the lead byte, and the allowed range of the first of them.
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0; // overlong
      if (b === 0xed) high = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90; // overlong
      if (b === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
