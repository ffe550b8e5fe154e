export { Batch, type Tensor2dFactory } from './batch';
export {
  BATCH_SAMPLERS,
  MAX_BATCH_TOKENS,
  SlidingWindowSampler,
  createBatchSource,
  type BatchSamplerKind,
  type BatchSource,
  type BatchSourceOptions,
  type BatchSourceState,
  type SlidingWindowSamplerOptions,
} from './batch-source';
export { DATASETS, type DatasetInfo } from './datasets';
export { DataLoader, shuffledOrder, type DataLoaderOptions } from './data-loader';
export { RandomBatchSampler, type RandomBatchSamplerOptions } from './random-batch-sampler';
export { MAX_SEED, SeededRandom } from './random';
export { SlidingWindowDataset, type SlidingWindowOptions, type Window, type WindowDataset } from './sliding-window';
export { TRAIN_FRACTION, checkTokenIds, splitPoint, toTokenArray, trainValSplit, type TokenArray } from './token-array';
export {
  DEFAULT_TEXT_DECODING,
  InvalidTextError,
  MAX_TEXT_BYTES,
  corpusText,
  decodeText,
  firstInvalidUtf8,
  resolveTextDecoding,
  textTooLargeError,
  type InvalidTextKind,
  type TextDecodingOptions,
} from './text';
export {
  StaleTokenCacheError,
  TOKEN_CACHE_VERSION,
  TokenCacheError,
  readTokenCache,
  textFingerprint,
  tokenizerFingerprint,
  writeTokenCache,
  type TokenCache,
  type TokenCacheHeader,
  type TokenizerLike,
} from './token-cache';
