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

/** Options for {@link loadTokens}. */
export interface LoadTokensOptions {
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
 * Reads a UTF-8 text file and its ids: from the token cache when it was made by this tokenizer
 * from this text, else by encoding the text and (re)writing the cache atomically.
 */
export async function loadTokens(textPath: string, tokenizer: TokenizerLike, options: LoadTokensOptions = {}): Promise<LoadedTokens> {
  const raw = await readFile(textPath);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
  const expect = { tokenizer: tokenizerFingerprint(tokenizer), source: textFingerprint(raw) };
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
