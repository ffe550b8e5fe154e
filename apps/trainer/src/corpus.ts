/**
 * The training text on the command line: found (a file or a dataset name), read and checked by
 * `readCorpusFile` (`corpusText` of `@scratchgpt/data`: not too large, empty, binary, undecodable
 * or only whitespace), split and encoded by `encodeSplits` of `@scratchgpt/train` (the first 90%
 * of the characters train, as nanoGPT), the browser's Train view doing the same. What is the
 * command's own: the fixes, said with its flags. Read once per run.
 */
import { readFile, stat } from 'node:fs/promises';
import type { TokenArray } from '@scratchgpt/data';
import { InvalidTextError, readCorpusFile, resolveDataset, type InvalidTextKind } from '@scratchgpt/data/node';
import { createTokenizer, loadTokenizer, TOKENIZER_LIMITS, TOKENIZER_SPECS, type Tokenizer } from '@scratchgpt/tokenizers';
import { TextTooShortError, encodeSplits, tokenizerText } from '@scratchgpt/train';

/** A text file as read: where it is, its sha256, its text, and the encoding it was read in when not UTF-8. */
export interface CorpusFile {
  path: string;
  sha256: string;
  text: string;
  encoding?: string;
}

/** The fix for each refused text, with the command's flags (the library's advice names its options). */
const TEXT_FIXES: Record<InvalidTextKind, string> = {
  undecodable: 'Convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8), or read it in its encoding with --encoding (e.g. --encoding latin1).',
  'too-large': 'Pass a part of it.',
  empty: 'Pass a text file with some text in it.',
  binary: 'Pass a UTF-8 text file, or read it in its encoding with --encoding (e.g. --encoding utf-16le).',
  whitespace: 'Pass a text file with some text in it.',
};

/**
 * Resolves `data` (a path or a dataset name) and reads it as text: UTF-8 unless `encoding` (a
 * WHATWG label, `--encoding`) says otherwise, refusing empty, binary, too large or undecodable files.
 */
export async function readCorpusText(data: string, log: (line: string) => void, encoding?: string): Promise<CorpusFile> {
  const path = await resolveDataset(data, { log });
  try {
    const { text, sha256 } = await readCorpusFile(path, { encoding });
    return encoding === undefined ? { path, sha256, text } : { path, sha256, text, encoding };
  } catch (error) {
    if (!(error instanceof InvalidTextError)) throw error;
    throw new Error(`${error.problem} ${TEXT_FIXES[error.kind]}`, { cause: error });
  }
}

/**
 * A tokenizer from `--tokenizer`: `char` (the text's characters), `tiktoken:<encoding>`, `bpe:<n>`
 * (trained on the train split only, so val stays unseen: `tokenizerText`), or the path of a saved
 * tokenizer JSON.
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
  return createTokenizer(spec, tokenizerText(spec, text));
}

/**
 * The train and val ids of the text (`encodeSplits`: split by characters, so every tokenizer is
 * measured on the same val text; each part holds at least one block), the fix for a text too
 * short said with the command's flag.
 */
export function tokenizeCorpus(file: CorpusFile, tokenizer: Tokenizer, blockSize: number): { train: TokenArray; val: TokenArray } {
  try {
    return encodeSplits(file.text, tokenizer, blockSize, file.path);
  } catch (error) {
    if (!(error instanceof TextTooShortError)) throw error;
    throw new Error(`${error.problem} Use a text of roughly ${error.suggestedChars} characters or more, or a smaller --block-size.`, {
      cause: error,
    });
  }
}
