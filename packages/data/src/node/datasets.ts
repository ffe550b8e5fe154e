/**
 * Datasets by name: a local path for a corpus, found or fetched, always checked against its
 * sha256. Order: an existing file path as given; `<dataDir>/<file>`; `<cacheDir>/datasets/<file>`;
 * a download into that cache. The names and checksums are `DATASETS` (../datasets.ts, browser-safe).
 * Non-goals: archives, sharding, datasets bigger than memory.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DATASETS, type DatasetInfo } from '../datasets';
import { defaultCacheDir, sha256File, writeFileAtomic } from './files';

export { DATASETS, type DatasetInfo }; // their home is ../datasets.ts (browser-safe)

/** Options for {@link resolveDataset}. */
export interface ResolveDatasetOptions {
  /** Directory holding dataset files. Default: the `SCRATCHGPT_DATA_DIR` environment variable. */
  dataDir?: string;
  /** Cache directory for downloads. Default: `SCRATCHGPT_CACHE_DIR`, else the user cache directory. */
  cacheDir?: string;
  /** Download when the file is nowhere local. Default `true`. */
  download?: boolean;
  /** Datasets known by name. Default {@link DATASETS}. */
  datasets?: Readonly<Record<string, DatasetInfo>>;
  /** Give up on a download after this many milliseconds. Default 300,000 (5 minutes). */
  timeoutMs?: number;
  /** Called with progress messages (e.g. the download). Default: silent. */
  log?: (message: string) => void;
}

/** Resolves a dataset name (`'shakespeare'`) or a file path to a local, verified file path. */
export async function resolveDataset(nameOrPath: string, options: ResolveDatasetOptions = {}): Promise<string> {
  const { datasets = DATASETS, download = true, log = () => {} } = options;
  const info = Object.hasOwn(datasets, nameOrPath) ? datasets[nameOrPath] : undefined;

  // 1. A file the user names is used as it is.
  if (info === undefined) {
    const path = resolve(nameOrPath);
    if (existsSync(path) && statSync(path).isFile()) return path;
    throw new Error(
      `No file or dataset named "${nameOrPath}": pass the path of a text file, or one of the dataset names ` +
        `${Object.keys(datasets)
          .map((n) => `"${n}"`)
          .join(', ')}.`,
    );
  }

  // 2. The data directory: a wrong checksum there is the user's file, so it is an error.
  const dataDir = options.dataDir ?? process.env.SCRATCHGPT_DATA_DIR;
  if (dataDir) {
    const path = join(dataDir, info.filename);
    if (existsSync(path)) {
      await verify(path, info, `Delete or replace it, or unset SCRATCHGPT_DATA_DIR.`);
      return path;
    }
  }

  // 3. The cache: a wrong checksum there is a broken download, so it is fetched again.
  const cached = join(options.cacheDir ?? defaultCacheDir(), 'datasets', info.filename);
  if (existsSync(cached)) {
    if ((await sha256File(cached)) === info.sha256.toLowerCase()) return cached;
    log(`cached ${info.filename} does not match its sha256; downloading it again`);
    await rm(cached, { force: true });
  }

  // 4. Download, verify, then move into place.
  const howToPass =
    `Download ${info.url} yourself (its sha256 is ${info.sha256}) and pass the file's path instead of ` +
    `"${nameOrPath}", or put it in a directory named by SCRATCHGPT_DATA_DIR as ${info.filename}.`;
  if (!download) throw new Error(`Dataset "${nameOrPath}" is not on this machine and downloads are off. ${howToPass}`);
  log(`downloading ${info.url}`);
  let bytes: Uint8Array;
  try {
    const response = await fetch(info.url, { signal: AbortSignal.timeout(options.timeoutMs ?? 300_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new Error(`Could not download dataset "${nameOrPath}" from ${info.url} (${describe(cause)}). ${howToPass}`, { cause });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== info.sha256.toLowerCase()) {
    throw new Error(
      `The download of ${info.url} has sha256 ${actual}, but ${info.filename} should have ${info.sha256}. The download was corrupted or the file changed upstream. ${howToPass}`,
    );
  }
  await writeFileAtomic(cached, bytes);
  log(`saved ${cached}`);
  return cached;
}

async function verify(path: string, info: DatasetInfo, advice: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual === info.sha256.toLowerCase()) return;
  throw new Error(`${path} has sha256 ${actual}, but ${info.filename} should have ${info.sha256}. ${advice}`);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
