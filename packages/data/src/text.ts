/**
 * Bytes as text, strictly, with no file system in it (a browser's File and Node's files alike):
 * bytes that are not valid UTF-8 are an error naming the source, the byte offset and the fixes,
 * never silently replaced by U+FFFD (which would train a model on replacement characters); a text
 * in another encoding is converted only when asked. `corpusText` is what a training run takes:
 * decoded text that is neither too large, empty, binary nor only whitespace, and its sha256.
 * Reading files is node/text-file.ts (`readTextFile`, `readCorpusFile` of `@scratchgpt/data/node`).
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';

/** How bytes become text. */
export interface TextDecodingOptions {
  /**
   * The text's character encoding, as a WHATWG label: `'utf-8'` (default), `'latin1'` (read as
   * windows-1252, as browsers do), `'utf-16le'`, `'shift_jis'` and so on. A byte order mark is dropped.
   */
  encoding?: string;
  /**
   * Bytes that are not valid in `encoding`: `'error'` (default) throws an {@link InvalidTextError}
   * naming the byte offset; `'replace'` puts U+FFFD in their place.
   */
  invalidBytes?: 'error' | 'replace';
}

/**
 * Why bytes are refused as text: `undecodable` (not valid in the encoding), and, for a training
 * text ({@link corpusText}), `too-large`, `empty`, `binary` (a NUL byte in UTF-8) or `whitespace` (nothing else).
 */
export type InvalidTextKind = 'undecodable' | 'too-large' | 'empty' | 'binary' | 'whitespace';

/** Thrown for bytes that are not (usable) text. */
export class InvalidTextError extends Error {
  override name = 'InvalidTextError';
  constructor(
    /** The file (or other source) named in the message. */
    readonly source: string,
    /** The encoding the bytes were read as, by its WHATWG name (e.g. `utf-8`). */
    readonly encoding: string,
    /** Byte offset of the first invalid sequence (or NUL byte); -1 when not known or not the point. */
    readonly offset: number,
    /** What is wrong, without the advice (a command line or a page says the fix in its own words). */
    readonly problem: string,
    /** What to do, in this API's options. */
    advice: string,
    /** Why the bytes are refused. */
    readonly kind: InvalidTextKind = 'undecodable',
  ) {
    super(`${problem} ${advice}`);
  }
}

/** The defaults, spelled once: strict UTF-8. */
export const DEFAULT_TEXT_DECODING = { encoding: 'utf-8', invalidBytes: 'error' } as const satisfies Required<TextDecodingOptions>;

/**
 * The largest text read: a text is read whole into one JavaScript string, and V8's strings stop
 * at 2^29 − 24 UTF-16 code units (about 536 million); 512 MiB of UTF-8 is at most that many.
 */
export const MAX_TEXT_BYTES = 512 * 2 ** 20;

/**
 * The encoding's WHATWG name (`'latin1'` → `'windows-1252'`) and the invalid-bytes rule, checked;
 * `source` names the text in errors.
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
 * The error for a text of `size` bytes, over `maxBytes` ({@link MAX_TEXT_BYTES}): it could not
 * become one string. `readTextFile` gives it from the file's size, before reading it.
 */
export function textTooLargeError(source: string, size: number, encoding: string, maxBytes = MAX_TEXT_BYTES): InvalidTextError {
  const mib = (n: number) =>
    n >= 2 ** 20 ? `${Math.round(n / 2 ** 20).toLocaleString('en-US')} MiB` : `${n.toLocaleString('en-US')} bytes`;
  return new InvalidTextError(
    source,
    encoding,
    -1,
    `${source} is ${mib(size)}; a text is read whole, up to ${mib(maxBytes)} (JavaScript's string limit).`,
    'Pass a part of it.',
    'too-large',
  );
}

/**
 * The training text from `bytes` (a file's, named `source` in errors), decoded as `options` say,
 * and the hex sha256 of the bytes (what a run keeps to know its text again). Refused with an
 * {@link InvalidTextError}, of the `kind` named: a text over {@link MAX_TEXT_BYTES}, an empty
 * one, a binary one (a NUL byte, when read as UTF-8), undecodable bytes (as {@link decodeText}),
 * and text that is only whitespace.
 */
export function corpusText(bytes: Uint8Array, source: string, options: TextDecodingOptions = {}): { text: string; sha256: string } {
  return checkedCorpusText(bytes, source, options, MAX_TEXT_BYTES);
}

/** {@link corpusText} with its size limit as a parameter (tests use a small one). */
export function checkedCorpusText(
  bytes: Uint8Array,
  source: string,
  options: TextDecodingOptions,
  maxBytes: number,
): { text: string; sha256: string } {
  // 1. The options, then what the bytes are before decoding: size, any at all, a NUL.
  const { encoding } = resolveTextDecoding(options, source);
  if (bytes.length > maxBytes) throw textTooLargeError(source, bytes.length, encoding, maxBytes);
  if (bytes.length === 0)
    throw new InvalidTextError(source, encoding, -1, `${source} is empty.`, 'Pass a text file with some text in it.', 'empty');
  const nul = encoding === 'utf-8' ? bytes.indexOf(0) : -1; // UTF-16 and others hold NULs in plain text
  if (nul !== -1)
    throw new InvalidTextError(
      source,
      encoding,
      nul,
      `${source} looks binary (a NUL byte at offset ${nul}).`,
      "Pass a UTF-8 text file, or read it in its encoding with encoding: 'utf-16le' (or another WHATWG label).",
      'binary',
    );
  // 2. The text, strictly decoded, with something in it besides whitespace.
  const text = decodeText(bytes, source, options);
  if (text.trim().length === 0)
    throw new InvalidTextError(
      source,
      encoding,
      -1,
      `${source} holds only whitespace.`,
      'Pass a text file with some text in it.',
      'whitespace',
    );
  return { text, sha256: bytesToHex(sha256(bytes)) };
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
