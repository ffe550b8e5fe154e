/**
 * A text file's token ids, cached on disk: encoded once per (text, tokenizer), read back after.
 * The text must be valid UTF-8 unless the caller names another decoding (see `TextDecodingOptions`).
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  TokenCacheError,
  readTokenCache,
  textFingerprint,
  tokenizerFingerprint,
  writeTokenCache,
  type TokenizerLike,
} from '../token-cache';
import { defaultCacheDir, writeFileAtomic } from './files';
import { DEFAULT_TEXT_DECODING, resolveTextDecoding, type TextDecodingOptions } from '../text';
import { readTextFile } from './text-file';

/**
 * Options for {@link loadTokens}. `encoding` and `invalidBytes` say how the file's bytes become
 * text: by default strict UTF-8, where an invalid byte is an error naming its offset.
 */
export interface LoadTokensOptions extends TextDecodingOptions {
  /** Cache file. Default: `<cacheDir>/tokens/<text file name>.<hash of its full path>.<tokenizer fingerprint>.bin`. */
  cachePath?: string;
  /** Cache directory. Default: `SCRATCHGPT_CACHE_DIR`, else the user cache directory. */
  cacheDir?: string;
}

/** Result of {@link loadTokens}. */
export interface LoadedTokens {
  ids: Uint16Array | Uint32Array;
  text: string;
  /** Whether the ids came from the cache (else the text was encoded and the cache written). */
  fromCache: boolean;
  cachePath: string;
}

/**
 * Reads a text file (UTF-8 unless `options.encoding` says otherwise) and its ids: from the token
 * cache when it was made by this tokenizer from this text, else by encoding the text and
 * (re)writing the cache atomically.
 */
export async function loadTokens(textPath: string, tokenizer: TokenizerLike, options: LoadTokensOptions = {}): Promise<LoadedTokens> {
  const decoding = resolveTextDecoding(options, textPath);
  const { text, bytes: raw } = await readTextFile(textPath, decoding);
  // The cache is for this text: the bytes, and how they were decoded unless as strict UTF-8 (so older caches stay valid).
  const isDefault = decoding.encoding === DEFAULT_TEXT_DECODING.encoding && decoding.invalidBytes === DEFAULT_TEXT_DECODING.invalidBytes;
  const source = isDefault
    ? textFingerprint(raw)
    : textFingerprint(`${decoding.encoding}/${decoding.invalidBytes}/${textFingerprint(raw)}`);
  const expect = { tokenizer: tokenizerFingerprint(tokenizer), source };
  const cachePath =
    options.cachePath ??
    join(
      options.cacheDir ?? defaultCacheDir(),
      'tokens',
      `${basename(textPath)}.${textFingerprint(resolve(textPath)).slice(0, 8)}.${expect.tokenizer.slice(0, 16)}.bin`,
    );

  try {
    const cache = readTokenCache(await readFile(cachePath), expect);
    return { ids: cache.ids, text, fromCache: true, cachePath };
  } catch (error) {
    // No cache yet, or a stale or damaged one: encode again. Anything else (permissions) is reported.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof TokenCacheError)) throw error;
  }
  const bytes = writeTokenCache(tokenizer.encode(text), { vocabSize: tokenizer.vocabSize, ...expect });
  await writeFileAtomic(cachePath, bytes);
  return { ids: readTokenCache(bytes).ids, text, fromCache: false, cachePath };
}
