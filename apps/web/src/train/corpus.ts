/**
 * The training text of a browser run, from where the Train view lets it come (`CorpusSource` of
 * protocol.ts): Tiny Shakespeare (a copy served beside the page first, else GitHub, checked against
 * the sha256 of `DATASETS` of `@scratchgpt/data`), a file the user picked, or pasted text. Every
 * text goes through `corpusText`, the same check the command line's `--data` gets (not empty, not
 * binary, not only whitespace, valid UTF-8, not too large), and its sha256 is of its bytes, as the
 * CLI's: a browser run downloaded and resumed with `scratchgpt train --resume` finds its text again.
 * Errors are in words for a page: what is wrong with which text, and what to pick instead.
 */
import { corpusText, DATASETS, InvalidTextError } from '@scratchgpt/data';
import type { CorpusSource } from './protocol';

/** A text ready to train on. */
export interface LoadedCorpus {
  text: string;
  /** sha256 of its UTF-8 bytes (hex), as the CLI's run keeps it. */
  sha256: string;
  /** Shown in the page: "Tiny Shakespeare", the file's name, "pasted text". */
  label: string;
  /** Kept in the checkpoint (`extra.data.path`): the CLI's dataset name `shakespeare`, the file's name, `pasted.txt`. */
  path: string;
}

export interface CorpusOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** The page's URL (its directory): Tiny Shakespeare is looked for at `datasets/<file>` beside it first. */
  base?: string;
  /** A file's encoding (a WHATWG label), when not UTF-8: a CLI run's `--encoding`, kept in its checkpoint. */
  encoding?: string;
}

const SHAKESPEARE = DATASETS.shakespeare!;
export const SHAKESPEARE_LABEL = 'Tiny Shakespeare';
/** The CLI's name of the dataset: a checkpoint whose `extra.data.path` is this reads it by itself on `--resume`. */
export const SHAKESPEARE_PATH = 'shakespeare';
const PASTED = { label: 'pasted text', path: 'pasted.txt' } as const;

/** Loads and checks the text of `source`. */
export async function loadCorpus(source: CorpusSource, options: CorpusOptions = {}): Promise<LoadedCorpus> {
  switch (source.kind) {
    case 'shakespeare':
      return { ...(await fetchShakespeare(options)), label: SHAKESPEARE_LABEL, path: SHAKESPEARE_PATH };
    case 'file':
      return { ...checkedText(new Uint8Array(source.bytes), source.name, options.encoding), label: source.name, path: source.name };
    case 'text':
      return { ...checkedText(new TextEncoder().encode(source.text), PASTED.label), ...PASTED };
    default:
      throw new Error(
        `Unknown text source ${JSON.stringify((source as { kind?: unknown }).kind)}; pick Tiny Shakespeare, a file, or paste text.`,
      );
  }
}

/** `corpusText` with the advice said for a page (the library's names its options). */
function checkedText(bytes: Uint8Array, name: string, encoding?: string): { text: string; sha256: string } {
  try {
    return corpusText(bytes, name, { encoding });
  } catch (error) {
    if (!(error instanceof InvalidTextError)) throw error;
    const advice: Record<string, string> = {
      empty: 'Pick a file (or paste text) with some text in it.',
      whitespace: 'Pick a file (or paste text) with some text in it.',
      binary: 'Pick a plain text file saved as UTF-8, not a document, image or archive.',
      'too-large': 'Pick a smaller part of it.',
      undecodable: 'Save it as UTF-8 in your editor (or convert it, e.g. iconv -f latin1 -t utf-8) and pick it again.',
    };
    throw new Error(`${error.problem} ${advice[error.kind] ?? advice.undecodable}`, { cause: error });
  }
}

/** Tiny Shakespeare: the copy beside the page when it is the text (a server may answer a missing file with its index page), else GitHub's. */
async function fetchShakespeare(options: CorpusOptions): Promise<{ text: string; sha256: string }> {
  const get = options.fetch ?? fetch;
  const urls = [...(options.base === undefined ? [] : [new URL(`datasets/${SHAKESPEARE.filename}`, options.base).href]), SHAKESPEARE.url];
  const failures: string[] = [];
  for (const [i, url] of urls.entries()) {
    const last = i === urls.length - 1;
    let bytes: Uint8Array;
    try {
      const response = await get(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    let text: { text: string; sha256: string } | undefined;
    try {
      text = corpusText(bytes, url);
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (text.sha256 === SHAKESPEARE.sha256) return text;
    const wrong = `${url} is not Tiny Shakespeare: its sha256 is ${text.sha256}, and Tiny Shakespeare's is ${SHAKESPEARE.sha256}`;
    if (last)
      throw new Error(
        `${wrong}. The download was changed or cut short; try again, or pick the file (${SHAKESPEARE.filename}) yourself.${failures.length ? ` Before it: ${failures.join('; ')}.` : ''}`,
      );
    failures.push(wrong);
  }
  throw new Error(
    `Tiny Shakespeare could not be fetched (${failures.join('; ')}). Check the connection and try again, or download ${SHAKESPEARE.url} and pick the file.`,
  );
}
