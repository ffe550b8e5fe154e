/**
 * The training text: found (a file or a dataset name), checked (present, not empty, not binary),
 * tokenized with a cache, and split 90/10 into train and val ids as nanoGPT does.
 */
import { readFile } from 'node:fs/promises';
import { trainValSplit, type TokenArray } from '@scratchgpt/data';
import { loadTokens, resolveDataset, sha256File } from '@scratchgpt/data/node';
import { createTokenizer, loadTokenizer, TOKENIZER_SPECS, type Tokenizer } from '@scratchgpt/tokenizers';

/** Fraction of the text used for training; the rest is the held-out val split. */
export const TRAIN_FRACTION = 0.9;

export interface Corpus {
  path: string;
  sha256: string;
  text: string;
  ids: TokenArray;
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
    return loadTokenizer(json);
  }
  const trainText = spec.startsWith('bpe:') ? text.slice(0, Math.floor(text.length * TRAIN_FRACTION)) : text;
  return createTokenizer(spec, trainText);
}

/** Encodes the text (through the token cache) and checks both splits hold at least one block. */
export async function tokenizeCorpus(
  file: { path: string; sha256: string; text: string },
  tokenizer: Tokenizer,
  blockSize: number,
): Promise<Corpus & { train: TokenArray; val: TokenArray }> {
  let ids: TokenArray;
  try {
    ids = (await loadTokens(file.path, tokenizer)).ids;
  } catch (error) {
    throw new Error(`the tokenizer ${tokenizer.name} cannot encode ${file.path}: ${(error as Error).message}`, { cause: error });
  }
  const { train, val } = trainValSplit(ids, TRAIN_FRACTION);
  const need = blockSize + 1;
  if (val.length < need) {
    throw new Error(
      `${file.path} is too short: it has ${ids.length} tokens (${tokenizer.name}), and its 10% val split (${val.length}) needs ` +
        `at least blockSize + 1 = ${need}. Use a text of at least ${Math.ceil(need / (1 - TRAIN_FRACTION))} tokens, or a smaller --block-size.`,
    );
  }
  return { ...file, ids, train, val };
}
