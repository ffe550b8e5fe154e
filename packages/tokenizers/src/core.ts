// @scratchgpt/tokenizers/core: the package without tiktoken. Nothing reachable from here imports
// tiktoken's 5.6 MB of WASM, so a browser app bundles it with no WASM set-up at all. The root
// entry (index.ts) is this plus TiktokenTokenizer, loadTokenizer and createTokenizer.
export { BpeTokenizer, type BpeTokenizerOptions, type BpeTrainOptions } from './bpe-tokenizer';
export { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, SPLIT_PATTERNS, type SplitPattern } from './bpe-patterns';
export { CharTokenizer, UNK_TEXT, type CharTokenizerOptions } from './char-tokenizer';
export { TOKENIZER_LIMITS, TokenizerLimitError, type TokenizerLimit } from './limits';
export { createTokenizerLoader, type TokenizerKind, type TokenizerLoader } from './loader';
export { MINBPE_PATTERNS, fromMinbpeModel, toMinbpeModel, type FromMinbpeModelOptions } from './minbpe-format';
export { TextStream } from './text-stream';
export { bytesPerToken, compressionStats, countChars, tokensPerChar, type CompressionStats } from './stats';
export {
  TOKENIZER_FORMAT,
  TOKENIZER_SPECS,
  type BpeTokenizerJSON,
  type CharTokenizerJSON,
  type TiktokenEncodingName,
  type TiktokenTokenizerJSON,
  type Tokenizer,
  type TokenizerJSON,
} from './types';
