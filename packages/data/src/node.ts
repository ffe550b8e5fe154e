// Node-only helpers (file system, downloads): import from "@scratchgpt/data/node".
export { DATASETS, resolveDataset, type DatasetInfo, type ResolveDatasetOptions } from './node/datasets';
export { defaultCacheDir, isTempFile, removeTempFiles, sha256File, tempPathFor, writeFileAtomic } from './node/files';
export { loadTokens, type LoadTokensOptions, type LoadedTokens } from './node/token-cache-file';
export { InvalidTextError, MAX_TEXT_BYTES, decodeText, readTextFile, type TextDecodingOptions } from './node/text-file';
