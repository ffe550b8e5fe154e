/**
 * Reading text files as text, strictly (the decoding and its checks are ../text.ts, browser-safe,
 * which node.ts also re-exports): a file over `MAX_TEXT_BYTES` is refused
 * by its size before it is read, since it could not become one string.
 */
import { readFile, stat } from 'node:fs/promises';
import { MAX_TEXT_BYTES, corpusText, decodeText, resolveTextDecoding, textTooLargeError, type TextDecodingOptions } from '../text';

/** A text file's bytes, refused by its size (before reading) when over {@link MAX_TEXT_BYTES}; bad options first. */
async function readTextBytes(path: string, options: TextDecodingOptions): Promise<Uint8Array> {
  const { encoding } = resolveTextDecoding(options, path); // a bad option is reported before the file is read
  const { size } = await stat(path);
  if (size > MAX_TEXT_BYTES) throw textTooLargeError(path, size, encoding);
  return new Uint8Array(await readFile(path));
}

/** Reads a text file (see {@link TextDecodingOptions}); returns its text and the bytes read. */
export async function readTextFile(path: string, options: TextDecodingOptions = {}): Promise<{ text: string; bytes: Uint8Array }> {
  const bytes = await readTextBytes(path, options);
  return { text: decodeText(bytes, path, options), bytes };
}

/**
 * Reads a training text: `corpusText` of the file's bytes (refusing too large, empty, binary,
 * undecodable and whitespace-only files with an `InvalidTextError`), and the sha256 of those bytes.
 */
export async function readCorpusFile(path: string, options: TextDecodingOptions = {}): Promise<{ text: string; sha256: string }> {
  return corpusText(await readTextBytes(path, options), path, options);
}
