import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidTextError } from '../text';
import { readCorpusFile, readTextFile } from './text-file';

const latin1Cafe = Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x0a); // "café\n" in Latin-1

describe('readTextFile', () => {
  it('reads a file and names it in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-text-'));
    const path = join(dir, 'latin1.txt');
    writeFileSync(path, latin1Cafe);
    await expect(readTextFile(path)).rejects.toThrow(`${path} is not valid UTF-8: the bytes at offset 3 (line 1)`);
    const { text, bytes } = await readTextFile(path, { encoding: 'latin1' });
    expect(text).toBe('café\n');
    expect(Array.from(bytes)).toEqual(Array.from(latin1Cafe));
  });
});

describe('readCorpusFile', () => {
  it('reads a training text and its sha256, refusing what corpusText refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-text-'));
    const path = join(dir, 'corpus.txt');
    writeFileSync(path, 'abc');
    expect(await readCorpusFile(path)).toEqual({ text: 'abc', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    writeFileSync(path, '');
    await expect(readCorpusFile(path)).rejects.toThrow(InvalidTextError);
    await expect(readCorpusFile(path)).rejects.toThrow(`${path} is empty.`);
    truncateSync(path, 600 * 2 ** 20); // sparse: refused by its size, never read
    await expect(readCorpusFile(path)).rejects.toThrow(`${path} is 600 MiB; a text is read whole, up to 512 MiB`);
  });
});
