/**
 * The training text: found (a file or a dataset name), checked (present, not empty, not binary),
 * split 90/10 by characters into train and val text as nanoGPT does, and tokenized.
 */
import { readFile } from 'node:fs/promises';
import { toTokenArray, type TokenArray } from '@scratchgpt/data';
import { resolveDataset, sha256File } from '@scratchgpt/data/node';
import { createTokenizer, loadTokenizer, TOKENIZER_SPECS, type Tokenizer } from '@scratchgpt/tokenizers';

/** Fraction of the text used for training; the rest is the held-out val split. */
export const TRAIN_FRACTION = 0.9;

export interface Corpus {
  path: string;
  sha256: string;
  text: string;
}

/** Resolves `data` (a path or a dataset name) and reads it as UTF-8 text, refusing empty or binary files. */
export async function readCorpusText(data: string, log: (line: string) => void): Promise<{ path: string; sha256: string; text: string }> {
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
  return { path, sha256: await sha256File(path), text };
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
  const trainText = spec.startsWith('bpe:') ? text.slice(0, splitPoint(text)) : text;
  return createTokenizer(spec, trainText);
}

/** Where the train split ends: the first 90% of the characters, as nanoGPT's `prepare.py`. */
export const splitPoint = (text: string): number => Math.floor(text.length * TRAIN_FRACTION);

/**
 * Splits the text by characters (so every tokenizer is measured on the same val text) and
 * encodes each part; checks that the val part holds at least one block.
 */
export function tokenizeCorpus(
  file: { path: string; sha256: string; text: string },
  tokenizer: Tokenizer,
  blockSize: number,
): Corpus & { train: TokenArray; val: TokenArray } {
  const cut = splitPoint(file.text);
  let train: TokenArray;
  let val: TokenArray;
  try {
    train = toTokenArray(tokenizer.encode(file.text.slice(0, cut)));
    val = toTokenArray(tokenizer.encode(file.text.slice(cut)));
  } catch (error) {
    throw new Error(`the tokenizer ${tokenizer.name} cannot encode ${file.path}: ${(error as Error).message}`, { cause: error });
  }
  const need = blockSize + 1;
  if (val.length < need || train.length < need) {
    const chars = Math.ceil((need * file.text.length) / Math.max(1, val.length) / (1 - TRAIN_FRACTION));
    throw new Error(
      `${file.path} is too short: its last 10% (the val split) is ${val.length} tokens (${tokenizer.name}), and a block needs ` +
        `blockSize + 1 = ${need}. Use a text of roughly ${chars} characters or more, or a smaller --block-size.`,
    );
  }
  return { ...file, train, val };
}
