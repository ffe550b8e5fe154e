/**
 * Tiny Shakespeare for a test run, found or fetched once before any test starts (by
 * tests/global-setup.ts, and by `scripts/test.sh` before it builds, running this file), so that a
 * fresh clone passes the tests when online and stops at once, with one line saying what to fetch
 * and where to put it, when offline. Where it looks, in order:
 *   1. `$SCRATCHGPT_DATA_DIR/tinyshakespeare.txt` (the user's own copy);
 *   2. the shared copy beside the checkout, `../shared/data/tinyshakespeare.txt`;
 *   3. the repository's cache, `.cache/datasets/tinyshakespeare.txt` (git-ignored, kept across
 *      runs: the test run's own cache, SCRATCHGPT_CACHE_DIR, is a temporary directory), downloaded
 *      there by `resolveDataset` and sha256-checked when it is missing.
 * Every copy is checked against the sha256 of `DATASETS` (packages/data), which also holds the URL.
 * Tests then read it through `SCRATCHGPT_DATA_DIR`, set to the directory found, like any user.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATASETS, type DatasetInfo, resolveDataset } from '../packages/data/src/node/datasets';

const root = resolve(import.meta.dirname, '..');

/** The shared copy of the data sets beside the checkout (the directory that holds `tinyshakespeare.txt`). */
export const SHARED_DATA_DIR = resolve(root, '../shared/data');
/** The repository's own cache, which survives test runs: downloads go to `<it>/datasets/`. */
export const REPO_CACHE_DIR = join(root, '.cache');

/**
 * How long the test run waits for the download (1.1 MB) before it stops with the one line: a
 * network that drops packets instead of refusing would otherwise hold it for `resolveDataset`'s
 * default of 5 minutes.
 */
export const TEST_DOWNLOAD_TIMEOUT_MS = 60_000;

/** Options of {@link findTestData}; each defaults to the real place, tests point them elsewhere. */
export interface FindTestDataOptions {
  /** The user's data directory. Default: `SCRATCHGPT_DATA_DIR`. */
  dataDir?: string;
  /** Default {@link SHARED_DATA_DIR}. */
  sharedDir?: string;
  /** Default {@link REPO_CACHE_DIR}. */
  cacheDir?: string;
  /** The known datasets. Default `DATASETS` of `@scratchgpt/data/node`. */
  datasets?: Readonly<Record<string, DatasetInfo>>;
  /** Give up on the download after this many milliseconds. Default {@link TEST_DOWNLOAD_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * The directory that holds a verified copy of the dataset `name` (default `'shakespeare'`),
 * downloading it into the repository's cache if it is nowhere local. Throws an error whose
 * message is one line: what went wrong, the URL to fetch, and the path to save it at.
 */
export async function findTestData(name = 'shakespeare', options: FindTestDataOptions = {}): Promise<string> {
  const {
    dataDir = process.env.SCRATCHGPT_DATA_DIR,
    sharedDir = SHARED_DATA_DIR,
    cacheDir = REPO_CACHE_DIR,
    datasets = DATASETS,
  } = options;
  const info = datasets[name];
  if (!info) throw new Error(`findTestData: no dataset named "${name}" (known: ${Object.keys(datasets).join(', ')}).`);
  const local = dataDir || (existsSync(join(sharedDir, info.filename)) ? sharedDir : '');
  try {
    return dirname(
      await resolveDataset(name, { dataDir: local, cacheDir, datasets, timeoutMs: options.timeoutMs ?? TEST_DOWNLOAD_TIMEOUT_MS }),
    );
  } catch (error) {
    const target = join(cacheDir, 'datasets', info.filename);
    throw new Error(
      `The tests need ${info.filename} (${reason(error)}): download ${info.url} (sha256 ${info.sha256}) and save it as ${target}, ` +
        `or set SCRATCHGPT_DATA_DIR to a directory that holds ${info.filename}.`,
    );
  }
}

/**
 * Why it failed, on one line. A failed download is `resolveDataset`'s only error with a `cause`:
 * keep the cause (its own advice is for the CLI's users), else the message (e.g. a wrong checksum).
 */
function reason(error: unknown): string {
  const chain = (e: unknown): string => (e instanceof Error ? `${e.message}${e.cause ? `: ${chain(e.cause)}` : ''}` : String(e));
  const text =
    error instanceof Error && error.cause
      ? `could not download it: ${chain(error.cause)}`
      : error instanceof Error
        ? error.message
        : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

// `tsx tests/dataset.ts` (scripts/test.sh): prints where the data is, or the one line, exit status 1.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  findTestData().then(
    (dir) => console.log(`› Tiny Shakespeare: ${join(dir, DATASETS.shakespeare!.filename)}`),
    (error: Error) => {
      console.error(`✗ ${error.message}`);
      process.exit(1);
    },
  );
}
