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
    throw new Error(`loadTokenizer: unsupported format ${JSON.stringify(format)}; this version reads ${JSON.stringify(TOKENIZER_FORMAT)}.`);
  }
  const value = data as TokenizerJSON;
  const bad = (field: string, expected: string): never => {
    throw new Error(`loadTokenizer: a ${String(type)} tokenizer needs "${field}" to be ${expected}; the JSON is damaged or hand-edited.`);
  };
  if (value.type === 'char') {
    if (!Array.isArray(value.chars) || value.chars.some((c) => typeof c !== 'string')) bad('chars', 'an array of strings');
    if (typeof value.unk !== 'boolean') bad('unk', 'true or false');
  } else if (value.type === 'bpe') {
    if (typeof value.pattern !== 'string') bad('pattern', 'a string');
    if (!Array.isArray(value.merges)) bad('merges', 'an array of [left, right] pairs');
    if (typeof value.specialTokens !== 'object' || value.specialTokens === null) bad('specialTokens', 'an object of token → id');
  }
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
