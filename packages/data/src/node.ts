// Node-only helpers (file system, downloads): import from "@scratchgpt/data/node".
export { DATASETS, resolveDataset, type DatasetInfo, type ResolveDatasetOptions } from './node/datasets';
export { defaultCacheDir, sha256File, writeFileAtomic } from './node/files';
export { loadTokens, type LoadTokensOptions, type LoadedTokens } from './node/token-cache-file';
