export { BpeTokenizer, type BpeTokenizerOptions, type BpeTrainOptions } from './bpe-tokenizer';
export { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, type SplitPattern } from './bpe-patterns';
export { CharTokenizer, UNK_TEXT, type CharTokenizerOptions } from './char-tokenizer';
export { TOKENIZER_SPECS, createTokenizer } from './from-spec';
export { loadTokenizer } from './load';
export { MINBPE_PATTERNS, fromMinbpeModel, toMinbpeModel } from './minbpe-format';
export { TextStream } from './text-stream';
export { bytesPerToken, compressionStats, countChars, tokensPerChar, type CompressionStats } from './stats';
export { TIKTOKEN_VOCAB_SIZES, TiktokenTokenizer, type TiktokenTokenizerOptions } from './tiktoken-tokenizer';
export {
  TOKENIZER_FORMAT,
  type BpeTokenizerJSON,
  type CharTokenizerJSON,
  type TiktokenEncodingName,
  type TiktokenTokenizerJSON,
  type Tokenizer,
  type TokenizerJSON,
} from './types';
