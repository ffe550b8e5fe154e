import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CharTokenizer, TiktokenTokenizer } from '@scratchgpt/tokenizers';
import { describe, expect, it } from 'vitest';
import { loadTokens } from './token-cache-file';

const tmp = () => mkdtempSync(join(tmpdir(), 'scratchgpt-tokens-'));

describe('loadTokens', () => {
  it('encodes once, then reads the cache without re-encoding', async () => {
    const dir = tmp();
    const textPath = join(dir, 'corpus.txt');
    writeFileSync(textPath, 'to be or not to be');
    const tok = CharTokenizer.fromText('to be or not to be');
    const first = await loadTokens(textPath, tok, { cacheDir: dir });
    expect(first.fromCache).toBe(false);
    expect(Array.from(first.ids)).toEqual(tok.encode('to be or not to be'));
    let encodes = 0;
    const counting = {
      vocabSize: tok.vocabSize,
      toJSON: () => tok.toJSON(),
      encode: (t: string) => {
        encodes++;
        return tok.encode(t);
      },
    };
    const second = await loadTokens(textPath, counting, { cacheDir: dir });
    expect(second.fromCache).toBe(true);
    expect(encodes).toBe(0);
    expect(Array.from(second.ids)).toEqual(Array.from(first.ids));
  });

  it('keeps separate caches for files of the same name in different directories', async () => {
    const cacheDir = tmp();
    const tok = CharTokenizer.fromText('abc');
    const [a, b] = [tmp(), tmp()].map((dir) => join(dir, 'input.txt'));
    writeFileSync(a!, 'abc');
    writeFileSync(b!, 'cba');
    await loadTokens(a!, tok, { cacheDir });
    await loadTokens(b!, tok, { cacheDir });
    const again = await Promise.all([loadTokens(a!, tok, { cacheDir }), loadTokens(b!, tok, { cacheDir })]);
    expect(again.map((r) => r.fromCache)).toEqual([true, true]);
    expect(again.map((r) => Array.from(r.ids))).toEqual([
      [0, 1, 2],
      [2, 1, 0],
    ]);
  });

  it('re-encodes when the tokenizer or the text changed, or the cache is damaged', async () => {
    const dir = tmp();
    const textPath = join(dir, 'corpus.txt');
    writeFileSync(textPath, 'hello world');
    const cachePath = join(dir, 'corpus.bin');
    await loadTokens(textPath, CharTokenizer.fromText('hello world'), { cachePath });

    const gpt2 = new TiktokenTokenizer('gpt2');
    const other = await loadTokens(textPath, gpt2, { cachePath });
    expect(other.fromCache).toBe(false);
    expect(Array.from(other.ids)).toEqual([31373, 995]);
    expect((await loadTokens(textPath, gpt2, { cachePath })).fromCache).toBe(true);

    writeFileSync(textPath, 'hello there');
    const changed = await loadTokens(textPath, gpt2, { cachePath });
    expect(changed.fromCache).toBe(false);
    expect(gpt2.decode(Array.from(changed.ids))).toBe('hello there');

    writeFileSync(cachePath, readFileSync(cachePath).subarray(0, 50));
    expect((await loadTokens(textPath, gpt2, { cachePath })).fromCache).toBe(false);
    gpt2.dispose();
  });

  it('refuses a text file that is not UTF-8, and converts it only when asked', async () => {
    const dir = tmp();
    const textPath = join(dir, 'latin1.txt');
    writeFileSync(textPath, Uint8Array.of(0x63, 0x61, 0x66, 0xe9)); // "café" in Latin-1
    const tok = CharTokenizer.fromText('café\uFFFD');
    await expect(loadTokens(textPath, tok, { cacheDir: dir })).rejects.toThrow(
      `${textPath} is not valid UTF-8: the bytes at offset 3 (line 1) are not a UTF-8 sequence (0xe9)`,
    );
    const latin1 = await loadTokens(textPath, tok, { cacheDir: dir, encoding: 'latin1' });
    expect(latin1.text).toBe('café');
    const replaced = await loadTokens(textPath, tok, { cacheDir: dir, invalidBytes: 'replace' });
    expect(replaced.text).toBe('caf\uFFFD');
    expect(replaced.fromCache).toBe(false); // another decoding of the same bytes: not the Latin-1 cache
    expect(tok.decode(Array.from(replaced.ids))).toBe('caf\uFFFD');
    expect((await loadTokens(textPath, tok, { cacheDir: dir, invalidBytes: 'replace' })).fromCache).toBe(true);
  });
});
