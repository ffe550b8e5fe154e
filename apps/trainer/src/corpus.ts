/**
 * The training text: found (a file or a dataset name), checked (present, not empty, not binary),
 * split into train and val text by `trainValSplit` (the first 90% of the characters train, as
 * nanoGPT), and tokenized. Read once per run.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { TRAIN_FRACTION, toTokenArray, trainValSplit, type TokenArray } from '@scratchgpt/data';
import { InvalidTextError, readTextFile, resolveDataset } from '@scratchgpt/data/node';
import { createTokenizer, loadTokenizer, TOKENIZER_LIMITS, TOKENIZER_SPECS, type Tokenizer } from '@scratchgpt/tokenizers';

/** The split as words: "the first 90%" train, "the last 10%" is val (from `TRAIN_FRACTION`). */
export const TRAIN_SHARE = `the first ${Math.round(TRAIN_FRACTION * 100)}%`;
export const VAL_SHARE = `the last ${Math.round((1 - TRAIN_FRACTION) * 100)}%`;

/** A text file as read: where it is, its sha256, its text, and the encoding it was read in when not UTF-8. */
export interface CorpusFile {
  path: string;
  sha256: string;
  text: string;
  encoding?: string;
}

/**
 * Resolves `data` (a path or a dataset name) and reads it as text: UTF-8 unless `encoding` (a
 * WHATWG label, `--encoding`) says otherwise, refusing empty, binary, too large or undecodable files.
 */
export async function readCorpusText(data: string, log: (line: string) => void, encoding?: string): Promise<CorpusFile> {
  const path = await resolveDataset(data, { log });
  let file: { text: string; bytes: Uint8Array };
  try {
    file = await readTextFile(path, { encoding });
  } catch (error) {
    if (!(error instanceof InvalidTextError)) throw error;
    // The library's advice names its options; say it with the flags.
    throw new Error(
      `${error.problem} Convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8), or read it in its encoding with --encoding (e.g. --encoding latin1).`,
      { cause: error },
    );
  }
  const { bytes, text } = file;
  if (bytes.length === 0) throw new Error(`${path} is empty; pass a text file with some text in it.`);
  const nul = bytes.indexOf(0);
  if (nul !== -1 && (encoding === undefined || /^utf-?8$/i.test(encoding)))
    throw new Error(`${path} looks binary (a NUL byte at offset ${nul}); pass a UTF-8 text file.`);
  if (text.trim().length === 0) throw new Error(`${path} holds only whitespace; pass a text file with some text in it.`);
  const sha256 = createHash('sha256').update(bytes).digest('hex'); // the bytes just read, not the file again
  return encoding === undefined ? { path, sha256, text } : { path, sha256, text, encoding };
}

/**
 * A tokenizer from `--tokenizer`: `char` (the text's characters), `tiktoken:<encoding>`, `bpe:<n>`
 * (trained on the train split only, so val stays unseen), or the path of a saved tokenizer JSON.
 */
export async function buildTokenizer(spec: string, text: string): Promise<Tokenizer> {
  if (spec.endsWith('.json')) {
    let size: number;
    try {
      size = (await stat(spec)).size;
    } catch {
      throw new Error(`No tokenizer file ${spec}; pass a tokenizer JSON saved by scratchgpt, or one of ${TOKENIZER_SPECS}.`);
    }
    // A UTF-8 character takes 1 to 4 bytes: past 4 bytes per allowed character, it cannot be within the limit (loadTokenizer checks the rest).
    const { maxSerializedChars } = TOKENIZER_LIMITS;
    if (size > 4 * maxSerializedChars)
      throw new Error(
        `${spec} is ${Math.round(size / 2 ** 20).toLocaleString('en-US')} MiB, more than a tokenizer JSON may be (TOKENIZER_LIMITS.maxSerializedChars = ${maxSerializedChars.toLocaleString('en-US')} characters); it is not a tokenizer saved by scratchgpt.`,
      );
    const json = await readFile(spec, 'utf8');
    try {
      return loadTokenizer(json);
    } catch (error) {
      throw new Error(`${spec} is not a usable tokenizer JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return createTokenizer(spec, spec.startsWith('bpe:') ? trainValSplit(text).train : text);
}

/**
 * Splits the text by characters (so every tokenizer is measured on the same val text) and
 * encodes each part; checks that each part holds at least one block.
 */
export function tokenizeCorpus(file: CorpusFile, tokenizer: Tokenizer, blockSize: number): { train: TokenArray; val: TokenArray } {
  const text = trainValSplit(file.text);
  let train: TokenArray;
  let val: TokenArray;
  try {
    train = toTokenArray(tokenizer.encode(text.train));
    val = toTokenArray(tokenizer.encode(text.val));
  } catch (error) {
    throw new Error(`the tokenizer ${tokenizer.name} cannot encode ${file.path}: ${(error as Error).message}`, { cause: error });
  }
  const need = blockSize + 1;
  if (val.length < need || train.length < need) {
    const chars = Math.ceil((need * file.text.length) / Math.max(1, val.length) / (1 - TRAIN_FRACTION));
    throw new Error(
      `${file.path} is too short: ${VAL_SHARE.replace('the', 'its')} (the val split) is ${val.length} tokens (${tokenizer.name}), and a block needs ` +
        `blockSize + 1 = ${need}. Use a text of roughly ${chars} characters or more, or a smaller --block-size.`,
    );
  }
  return { train, val };
}
