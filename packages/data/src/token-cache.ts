/**
 * The token cache format: a corpus encoded once and stored as bytes, like nanoGPT's `train.bin`
 * but with a header, so a cache made by another tokenizer or from other text is detected.
 *
 * Layout (little-endian), 96-byte header then the ids:
 *   0  magic "SGPTTOK\0"      8  version u32 (1)      12 bytes per id u32 (2 or 4)
 *   16 number of ids u64      24 vocabSize u32        28 reserved u32
 *   32 tokenizer sha256 (32)  64 source text sha256 (32)
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';

export const TOKEN_CACHE_VERSION = 1;
const MAGIC = 'SGPTTOK\0';
const HEADER_BYTES = 96;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** What the header of a token cache says. */
export interface TokenCacheHeader {
  /** Bytes per id: 2 (uint16, vocab ≤ 65,536) or 4 (uint32). */
  bytesPerId: 2 | 4;
  count: number;
  vocabSize: number;
  /** sha256 (hex) of the tokenizer's JSON, see {@link tokenizerFingerprint}. */
  tokenizer: string;
  /** sha256 (hex) of the source text's UTF-8 bytes, see {@link textFingerprint}. */
  source: string;
}

/** A token cache read back: its header and the ids (a view of the bytes when aligned). */
export interface TokenCache extends TokenCacheHeader {
  ids: Uint16Array | Uint32Array;
}

/** The least a tokenizer must offer to be fingerprinted and to fill a cache. */
export interface TokenizerLike {
  readonly vocabSize: number;
  encode(text: string): number[];
  toJSON(): unknown;
}

/** sha256 (hex) of the tokenizer's saved JSON: equal fingerprints, equal tokenizers. */
export function tokenizerFingerprint(tokenizer: Pick<TokenizerLike, 'toJSON'>): string {
  return bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(tokenizer.toJSON()))));
}

/** sha256 (hex) of a text's UTF-8 bytes (or of raw bytes). */
export function textFingerprint(text: string | Uint8Array): string {
  return bytesToHex(sha256(typeof text === 'string' ? new TextEncoder().encode(text) : text));
}

/** Thrown by {@link readTokenCache} for bytes that are not a valid token cache. */
export class TokenCacheError extends Error {
  override name = 'TokenCacheError';
}

/** Thrown by {@link readTokenCache} when the cache belongs to another tokenizer or text. */
export class StaleTokenCacheError extends TokenCacheError {
  override name = 'StaleTokenCacheError';
}

/** Serialises ids with their header. */
export function writeTokenCache(ids: ArrayLike<number>, header: Omit<TokenCacheHeader, 'count' | 'bytesPerId'>): Uint8Array {
  if (!Number.isInteger(header.vocabSize) || header.vocabSize < 1 || header.vocabSize > 2 ** 32) {
    throw new RangeError(`writeTokenCache: vocabSize must be an integer in [1, 2^32], got ${header.vocabSize}.`);
  }
  for (const key of ['tokenizer', 'source'] as const) {
    if (!/^[0-9a-f]{64}$/.test(header[key])) throw new Error(`writeTokenCache: ${key} must be a sha256 in lowercase hex (64 characters).`);
  }
  const bytesPerId = header.vocabSize <= 0x10000 ? 2 : 4;
  const out = new Uint8Array(HEADER_BYTES + ids.length * bytesPerId);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, TOKEN_CACHE_VERSION, true);
  view.setUint32(12, bytesPerId, true);
  view.setBigUint64(16, BigInt(ids.length), true);
  view.setUint32(24, header.vocabSize, true);
  out.set(hexToBytes(header.tokenizer), 32);
  out.set(hexToBytes(header.source), 64);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= header.vocabSize) {
      throw new RangeError(`writeTokenCache: id ${id} at index ${i} is outside the vocabulary [0, ${header.vocabSize}).`);
    }
    if (bytesPerId === 2) view.setUint16(HEADER_BYTES + 2 * i, id, true);
    else view.setUint32(HEADER_BYTES + 4 * i, id, true);
  }
  return out;
}

/**
 * Reads a token cache, checking magic, version and length; with `expect`, also that it was made
 * by that tokenizer from that text (else {@link StaleTokenCacheError}).
 */
export function readTokenCache(bytes: Uint8Array, expect: Partial<Pick<TokenCacheHeader, 'tokenizer' | 'source'>> = {}): TokenCache {
  const what = 'readTokenCache';
  if (bytes.length < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new TokenCacheError(`${what}: not a scratchgpt token cache (bad magic or shorter than its ${HEADER_BYTES}-byte header).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TOKEN_CACHE_VERSION) {
    throw new TokenCacheError(
      `${what}: token cache version ${version} is not supported (this version reads ${TOKEN_CACHE_VERSION}); delete the cache to rebuild it.`,
    );
  }
  const bytesPerId = view.getUint32(12, true);
  const vocabSize = view.getUint32(24, true);
  if ((bytesPerId !== 2 && bytesPerId !== 4) || vocabSize === 0 || (bytesPerId === 2 && vocabSize > 0x10000)) {
    throw new TokenCacheError(`${what}: the header is damaged (${bytesPerId} bytes per id for a vocabulary of ${vocabSize}).`);
  }
  const count = Number(view.getBigUint64(16, true));
  if (bytes.length !== HEADER_BYTES + count * bytesPerId) {
    throw new TokenCacheError(
      `${what}: the cache is truncated or padded: the header promises ${count} ids (${HEADER_BYTES + count * bytesPerId} bytes), the file has ${bytes.length} bytes.`,
    );
  }
  const header: TokenCacheHeader = {
    bytesPerId,
    count,
    vocabSize,
    tokenizer: bytesToHex(bytes.subarray(32, 64)),
    source: bytesToHex(bytes.subarray(64, 96)),
  };
  for (const key of ['tokenizer', 'source'] as const) {
    if (expect[key] !== undefined && expect[key] !== header[key]) {
      throw new StaleTokenCacheError(
        `${what}: the cache is stale: it was made ${key === 'tokenizer' ? 'by another tokenizer' : 'from another text'} ` +
          `(${key} fingerprint ${header[key].slice(0, 12)}…, expected ${expect[key].slice(0, 12)}…); re-encode the corpus.`,
      );
    }
  }
  const ids = bytesPerId === 2 ? new Uint16Array(count) : new Uint32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(ids.buffer).set(bytes.subarray(HEADER_BYTES)); // one copy, aligned
  } else {
    for (let i = 0; i < count; i++) {
      ids[i] = bytesPerId === 2 ? view.getUint16(HEADER_BYTES + 2 * i, true) : view.getUint32(HEADER_BYTES + 4 * i, true);
    }
  }
  const bad = ids.findIndex((id) => id >= vocabSize);
  if (bad >= 0)
    throw new TokenCacheError(`${what}: id ${ids[bad]} at index ${bad} is outside the vocabulary [0, ${vocabSize}); the cache is damaged.`);
  return { ...header, ids };
}
