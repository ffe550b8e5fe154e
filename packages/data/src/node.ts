// Node-only helpers (file system, downloads): import from "@scratchgpt/data/node".
export { DATASETS, resolveDataset, type DatasetInfo, type ResolveDatasetOptions } from './node/datasets';
export { defaultCacheDir, isTempFile, removeTempFiles, sha256File, tempPathFor, writeFileAtomic } from './node/files';
export { loadTokens, type LoadTokensOptions, type LoadedTokens } from './node/token-cache-file';
export { readCorpusFile, readTextFile } from './node/text-file';
// Browser-safe, in the main entry too; kept here for code that imports them from the node entry.
export { InvalidTextError, MAX_TEXT_BYTES, decodeText, type InvalidTextKind, type TextDecodingOptions } from './text';
