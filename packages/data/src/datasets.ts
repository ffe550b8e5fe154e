/**
 * The corpora known by name: where each comes from and its sha256. Plain data, with no file system
 * or network in it, so a browser offers the same datasets (and checks a download against the same
 * checksum) as `resolveDataset` of `@scratchgpt/data/node`, which finds or fetches them on disk.
 */

/** A corpus we know how to find: where it comes from and its checksum. */
export interface DatasetInfo {
  /** File name in a data or cache directory. */
  filename: string;
  /** Where to download it from. */
  url: string;
  /** Its sha256, hex. */
  sha256: string;
  description: string;
}

/** The datasets known by name (`resolveDataset`'s default). */
export const DATASETS: Readonly<Record<string, DatasetInfo>> = {
  shakespeare: {
    filename: 'tinyshakespeare.txt',
    url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt',
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    description: 'Tiny Shakespeare: 1,115,394 characters (65 distinct), the char-rnn and nanoGPT corpus.',
  },
};
