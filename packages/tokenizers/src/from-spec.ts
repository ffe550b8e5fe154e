/**
 * Tokenizers from short specs, as command lines name them (`char`, `tiktoken:gpt2`, `bpe:512:gpt4`).
 */
import { SPLIT_PATTERNS, type SplitPattern } from './bpe-patterns';
import { BpeTokenizer } from './bpe-tokenizer';
import { CharTokenizer } from './char-tokenizer';
import { TIKTOKEN_VOCAB_SIZES, TiktokenTokenizer } from './tiktoken-tokenizer';
import { TOKENIZER_SPECS, type TiktokenEncodingName, type Tokenizer } from './types';

/**
 * Makes a tokenizer from a short spec, as command lines name them:
 * - `char`: characters of `text`;
 * - `tiktoken:gpt2` (or another encoding): a pretrained OpenAI encoding;
 * - `bpe:512`, `bpe:512:gpt2`: a byte-level BPE trained on `text` (pattern default `gpt4`).
 */
export function createTokenizer(spec: string, text?: string): Tokenizer {
  const [kind, arg, pattern, ...rest] = spec.split(':');
  const needText = (): string => {
    if (text === undefined) throw new Error(`Tokenizer "${spec}" is built from text; pass the training text.`);
    return text;
  };
  if (kind === 'char' && arg === undefined) return CharTokenizer.fromText(needText());
  if (kind === 'tiktoken' && arg !== undefined && pattern === undefined) {
    if (!Object.hasOwn(TIKTOKEN_VOCAB_SIZES, arg)) {
      throw new Error(`Unknown tiktoken encoding "${arg}" in "${spec}"; use one of ${Object.keys(TIKTOKEN_VOCAB_SIZES).join(', ')}.`);
    }
    return new TiktokenTokenizer(arg as TiktokenEncodingName);
  }
  if (kind === 'bpe' && arg !== undefined && rest.length === 0 && /^\d+$/.test(arg)) {
    if (pattern !== undefined && !Object.hasOwn(SPLIT_PATTERNS, pattern)) {
      throw new Error(`Unknown BPE split pattern "${pattern}" in "${spec}"; use one of ${Object.keys(SPLIT_PATTERNS).join(', ')}.`);
    }
    return BpeTokenizer.train(needText(), { vocabSize: Number(arg), pattern: (pattern ?? 'gpt4') as SplitPattern });
  }
  throw new Error(`Unknown tokenizer "${spec}"; use ${TOKENIZER_SPECS}.`);
}
