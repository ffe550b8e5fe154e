// The Train view's texts: Tiny Shakespeare from beside the page first, else GitHub, always checked
// against its sha256; files and pasted text through the CLI's checks, in a page's words.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS } from '@scratchgpt/data';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from './corpus';

const SHAKESPEARE = DATASETS.shakespeare!;
const shakespeare = readFileSync(join(process.env.SCRATCHGPT_DATA_DIR!, SHAKESPEARE.filename));
const BASE = 'http://127.0.0.1:4173/app/';
const LOCAL = `${BASE}datasets/${SHAKESPEARE.filename}`;
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A fetch that answers from `routes` (URL → body or status) and records what was asked. */
function fakeFetch(routes: Record<string, Uint8Array | string | number>) {
  const asked: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    const route = routes[url];
    if (route === undefined) throw new TypeError('Failed to fetch');
    return typeof route === 'number'
      ? new Response('not here', { status: route })
      : new Response(typeof route === 'string' ? route : Uint8Array.from(route));
  }) as typeof globalThis.fetch;
  return { fetch, asked };
}

const bytesOf = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('loadCorpus', () => {
  it('takes Tiny Shakespeare from beside the page first, checked, with the CLI dataset name as its path', async () => {
    const { fetch, asked } = fakeFetch({ [LOCAL]: shakespeare });
    const corpus = await loadCorpus({ kind: 'shakespeare' }, { fetch, base: BASE });
    expect(asked).toEqual([LOCAL]);
    expect(corpus).toMatchObject({ sha256: SHAKESPEARE.sha256, label: 'Tiny Shakespeare', path: 'shakespeare' });
    expect(corpus.text.length).toBe(1_115_394);
  });

  it("falls back to GitHub's copy when the page has none (a 404, or a server's index page in its place)", async () => {
    for (const local of [404, '<!doctype html><title>app</title>']) {
      const { fetch, asked } = fakeFetch({ [LOCAL]: local, [SHAKESPEARE.url]: shakespeare });
      const corpus = await loadCorpus({ kind: 'shakespeare' }, { fetch, base: BASE });
      expect(asked).toEqual([LOCAL, SHAKESPEARE.url]);
      expect(corpus.sha256).toBe(SHAKESPEARE.sha256);
    }
  });

  it('refuses a download that is not Tiny Shakespeare, naming both hashes', async () => {
    const wrong = 'First Citizen:\nBefore we proceed any further, hear me speak.\n';
    const { fetch } = fakeFetch({ [SHAKESPEARE.url]: wrong });
    const error = await loadCorpus({ kind: 'shakespeare' }, { fetch }).catch((e: Error) => e);
    expect((error as Error).message).toContain(`its sha256 is ${sha(wrong)}, and Tiny Shakespeare's is ${SHAKESPEARE.sha256}`);
  });

  it('says when neither copy can be fetched', async () => {
    const { fetch } = fakeFetch({ [LOCAL]: 404 });
    await expect(loadCorpus({ kind: 'shakespeare' }, { fetch, base: BASE })).rejects.toThrow(
      `Tiny Shakespeare could not be fetched (${LOCAL}: HTTP 404; ${SHAKESPEARE.url}: Failed to fetch)`,
    );
  });

  it("takes a file by its name, with its bytes' sha256", async () => {
    const text = 'To be, or not to be: that is the question.\n';
    const corpus = await loadCorpus({ kind: 'file', name: 'hamlet.txt', bytes: bytesOf(text) });
    expect(corpus).toEqual({ text, sha256: sha(text), label: 'hamlet.txt', path: 'hamlet.txt' });
  });

  it('takes pasted text as UTF-8', async () => {
    const text = 'Ça va, Œdipe? ✓\n';
    expect(await loadCorpus({ kind: 'text', text })).toEqual({ text, sha256: sha(text), label: 'pasted text', path: 'pasted.txt' });
  });

  it('refuses empty, whitespace-only, binary and undecodable files in words for a page', async () => {
    const file = (bytes: Uint8Array) => loadCorpus({ kind: 'file', name: 'x.txt', bytes: bytes.buffer as ArrayBuffer });
    await expect(file(new Uint8Array(0))).rejects.toThrow('x.txt is empty. Pick a file (or paste text) with some text in it.');
    await expect(file(new TextEncoder().encode(' \n\t\n'))).rejects.toThrow('x.txt holds only whitespace. Pick a file');
    await expect(file(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).rejects.toThrow(
      'x.txt looks binary (a NUL byte at offset 4). Pick a plain text file saved as UTF-8, not a document, image or archive.',
    );
    await expect(file(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))).rejects.toThrow(
      /x\.txt is not valid UTF-8: .* Save it as UTF-8 in your editor/,
    );
    await expect(loadCorpus({ kind: 'text', text: '   ' })).rejects.toThrow('pasted text holds only whitespace.');
  });

  it("reads a CLI run's file in the encoding its checkpoint names", async () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in latin1
    const corpus = await loadCorpus({ kind: 'file', name: 'cafe.txt', bytes: latin1.buffer as ArrayBuffer }, { encoding: 'latin1' });
    expect(corpus.text).toBe('café\n');
    expect(corpus.sha256).toBe(sha(latin1));
  });
});
