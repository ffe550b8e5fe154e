/**
 * Restoring tokenizers from their saved JSON, which may come from anywhere (a checkpoint, an
 * export, a file a user passes): the format version and the type are checked here, the size of a
 * JSON string before it is parsed, and each kind's `fromJSON` checks its fields and limits.
 *
 * The kinds form one registry: a {@link TokenizerKind} is a tokenizer class with its JSON `type`
 * and `fromJSON`. This module knows none of them (so nothing here brings tiktoken along);
 * `loadTokenizer` (load.ts) is the loader for every kind of this package.
 */
import { checkSerializedLength, show } from './limits';
import { TOKENIZER_FORMAT, type Tokenizer, type TokenizerJSON } from './types';

/** A kind of tokenizer, as a loader sees it: the class, with the `type` its JSON carries and `fromJSON`. */
export interface TokenizerKind {
  readonly type: string;
  /** Restores a tokenizer from its JSON (whose `format` and `type` are already checked); checks the rest. */
  fromJSON(json: TokenizerJSON): Tokenizer;
}

/** A function that restores a tokenizer from its `toJSON()` form, an object or a JSON string. */
export type TokenizerLoader = (json: TokenizerJSON | string) => Tokenizer;

/**
 * A loader like `loadTokenizer` for the given kinds only, e.g.
 * `createTokenizerLoader([CharTokenizer, BpeTokenizer])`, which bundles without tiktoken.
 */
export function createTokenizerLoader(kinds: readonly TokenizerKind[]): TokenizerLoader {
  const list = [...kinds];
  return (json) => loadWith(json, list);
}

/** Restores a tokenizer of one of `kinds` from its JSON (object or string), checking format and type. */
export function loadWith(json: TokenizerJSON | string, kinds: readonly TokenizerKind[]): Tokenizer {
  let data: unknown = json;
  if (typeof json === 'string') {
    checkSerializedLength(json, 'loadTokenizer', 'the tokenizer JSON');
    try {
      data = JSON.parse(json);
    } catch (error) {
      throw new Error(`loadTokenizer: the text is not JSON (${(error as Error).message}); pass a tokenizer's toJSON() or its JSON text.`, {
        cause: error,
      });
    }
  }
  if (typeof data !== 'object' || data === null) throw new Error('loadTokenizer: expected a tokenizer JSON object.');
  const { format, type } = data as { format?: unknown; type?: unknown };
  if (format !== TOKENIZER_FORMAT) {
    throw new Error(`loadTokenizer: unsupported format ${show(format)}; this version reads ${JSON.stringify(TOKENIZER_FORMAT)}.`);
  }
  const kind = kinds.find((k) => k.type === type);
  if (kind !== undefined) return kind.fromJSON(data as TokenizerJSON);
  throw new Error(
    `loadTokenizer: unknown tokenizer type ${show(type)}; this loader reads ${kinds.map((k) => k.type).join(', ')}. ` +
      "For another of this package's kinds, add its class to createTokenizerLoader's kinds, or use loadTokenizer, which reads them all.",
  );
}
