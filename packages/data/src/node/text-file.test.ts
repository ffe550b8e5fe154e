import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidTextError, decodeText, firstInvalidUtf8, readTextFile } from './text-file';

const latin1Cafe = Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x0a); // "café\n" in Latin-1

describe('decodeText', () => {
  it('refuses invalid UTF-8, naming the source, the byte offset, the line and the fixes', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('ok\nfine\n'), ...latin1Cafe]);
    expect(() => decodeText(bytes, 'corpus.txt')).toThrow(InvalidTextError);
    expect(() => decodeText(bytes, 'corpus.txt')).toThrow(
      'corpus.txt is not valid UTF-8: the bytes at offset 11 (line 3) are not a UTF-8 sequence (0xe9 0x0a). Convert the file ' +
        "to UTF-8 (e.g. iconv -f latin1 -t utf-8), read it in its encoding with encoding: 'latin1' (or another WHATWG " +
        "label, such as 'windows-1252' or 'utf-16le'), or replace invalid bytes with U+FFFD with invalidBytes: 'replace'.",
    );
  });

  it('converts only when asked: another encoding, or U+FFFD for invalid bytes', () => {
    expect(decodeText(latin1Cafe, 'x', { encoding: 'latin1' })).toBe('café\n');
    expect(decodeText(latin1Cafe, 'x', { invalidBytes: 'replace' })).toBe('caf\uFFFD\n');
    expect(decodeText(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), 'x')).toBe('a'); // a UTF-8 byte order mark is dropped
  });

  it('names an unknown encoding and a bad invalidBytes value', () => {
    expect(() => decodeText(latin1Cafe, 'x', { encoding: 'klingon' })).toThrow(
      'x: encoding "klingon" is not one TextDecoder knows; use a WHATWG label such as',
    );
    expect(() => decodeText(latin1Cafe, 'x', { invalidBytes: 'drop' as 'error' })).toThrow(
      `x: invalidBytes must be 'error' or 'replace', got "drop"`,
    );
  });
});

describe('firstInvalidUtf8', () => {
  it('finds where the UTF-8 decoder puts its first U+FFFD, on random bytes', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
    const isValid = (b: Uint8Array): boolean => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    let x = 7;
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 16;
    };
    // Lead, continuation and never-valid bytes around every boundary of the UTF-8 rules.
    const interesting = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5,
      0xff,
    ];
    const wrong: string[] = [];
    for (let trial = 0; trial < 5000; trial++) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 8) }, () => interesting[next() % interesting.length]!);
      const offset = firstInvalidUtf8(bytes);
      // Valid exactly when no offset is found; else the bytes before it are valid and the decoder's
      // first U+FFFD comes right after them (which pins the offset: no U+FFFD is in these bytes).
      if ((offset === -1) !== isValid(bytes)) wrong.push(`${Array.from(bytes)}: ${offset}`);
      else if (
        offset >= 0 &&
        (!isValid(bytes.subarray(0, offset)) || !lenient.decode(bytes).startsWith(`${lenient.decode(bytes.subarray(0, offset))}\uFFFD`))
      ) {
        wrong.push(`${Array.from(bytes)}: ${offset}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

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
