import { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { TiktokenTokenizer } from './tiktoken-tokenizer';
import { TOKENIZER_FORMAT, type Tokenizer, type TokenizerJSON } from './types';

/**
 * Restores any tokenizer from its `toJSON()` form (an object or a JSON string), checking the
 * format version.
 */
export function loadTokenizer(json: TokenizerJSON | string): Tokenizer {
  const data: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof data !== 'object' || data === null) throw new Error('loadTokenizer: expected a tokenizer JSON object.');
  const { format, type } = data as { format?: unknown; type?: unknown };
  if (format !== TOKENIZER_FORMAT) {
    throw new Error(
      `loadTokenizer: unsupported format ${JSON.stringify(format)}; this version reads ${JSON.stringify(TOKENIZER_FORMAT)}.`,
    );
  }
  const value = data as TokenizerJSON;
  switch (value.type) {
    case 'char':
      return CharTokenizer.fromJSON(value);
    case 'tiktoken':
      return TiktokenTokenizer.fromJSON(value);
    case 'bpe':
      return BpeTokenizer.fromJSON(value);
    default:
      throw new Error(`loadTokenizer: unknown tokenizer type ${JSON.stringify(type)}; expected char, tiktoken or bpe.`);
  }
}
