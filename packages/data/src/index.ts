export { Batch, type Tensor2dFactory } from './batch';
export { DataLoader, type DataLoaderOptions } from './data-loader';
export { RandomBatchSampler, type RandomBatchSamplerOptions } from './random-batch-sampler';
export { SeededRandom } from './random';
export { SlidingWindowDataset, type SlidingWindowOptions, type Window, type WindowDataset } from './sliding-window';
export { toTokenArray, trainValSplit, type TokenArray } from './token-array';
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
