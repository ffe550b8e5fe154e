// The public API of @scratchgpt/tokenizers: everything in ./core (no tiktoken), plus what uses
// tiktoken. TiktokenTokenizer, the only importer of tiktoken's WASM, is built as a file of its own
// and the package is "sideEffects": false, so bundlers drop it from apps that do not use it; an
// app that never needs tiktoken imports '@scratchgpt/tokenizers/core' and needs no WASM set-up.
export * from './core';
export { createTokenizer } from './from-spec';
export { TOKENIZER_KINDS, loadTokenizer } from './load';
export { TIKTOKEN_VOCAB_SIZES, TiktokenTokenizer, type TiktokenTokenizerOptions } from './tiktoken-tokenizer';
