/**
 * The training text: found (a file or a dataset name), checked (present, not empty, not binary),
 * split into train and val text by `trainValSplit` (the first 90% of the characters train, as
 * nanoGPT), and tokenized. Read once per run.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TRAIN_FRACTION, toTokenArray, trainValSplit, type TokenArray } from '@scratchgpt/data';
import { resolveDataset } from '@scratchgpt/data/node';
import { createTokenizer, loadTokenizer, TOKENIZER_SPECS, type Tokenizer } from '@scratchgpt/tokenizers';

/** The split as words: "the first 90%" train, "the last 10%" is val (from `TRAIN_FRACTION`). */
export const TRAIN_SHARE = `the first ${Math.round(TRAIN_FRACTION * 100)}%`;
export const VAL_SHARE = `the last ${Math.round((1 - TRAIN_FRACTION) * 100)}%`;

/** A text file as read: where it is, its sha256 and its text. */
export interface CorpusFile {
  path: string;
  sha256: string;
  text: string;
}

/** Resolves `data` (a path or a dataset name) and reads it as UTF-8 text, refusing empty or binary files. */
export async function readCorpusText(data: string, log: (line: string) => void): Promise<CorpusFile> {
  const path = await resolveDataset(data, { log });
  const bytes = await readFile(path);
  if (bytes.length === 0) throw new Error(`${path} is empty; pass a text file with some text in it.`);
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new Error(`${path} looks binary (a NUL byte at offset ${nul}); pass a UTF-8 text file.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path} is not valid UTF-8 text; convert it to UTF-8 (e.g. with iconv) or pass another file.`);
  }
  if (text.trim().length === 0) throw new Error(`${path} holds only whitespace; pass a text file with some text in it.`);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), text }; // the bytes just read, not the file again
}

/**
 * A tokenizer from `--tokenizer`: `char` (the text's characters), `tiktoken:<encoding>`, `bpe:<n>`
 * (trained on the train split only, so val stays unseen), or the path of a saved tokenizer JSON.
 */
export async function buildTokenizer(spec: string, text: string): Promise<Tokenizer> {
  if (spec.endsWith('.json')) {
    let json: string;
    try {
      json = await readFile(spec, 'utf8');
    } catch {
      throw new Error(`No tokenizer file ${spec}; pass a tokenizer JSON saved by scratchgpt, or one of ${TOKENIZER_SPECS}.`);
    }
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
