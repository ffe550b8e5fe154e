import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { InvalidTextError, checkedCorpusText, corpusText, decodeText, firstInvalidUtf8, type InvalidTextKind } from './text';

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

describe('corpusText', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  /** The InvalidTextError that `run` throws (fails the test if it throws nothing or something else). */
  const refusal = (run: () => unknown): InvalidTextError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTextError);
      return error as InvalidTextError;
    }
    throw new Error('expected an InvalidTextError');
  };
  const expectRefused = (run: () => unknown, kind: InvalidTextKind, problem: string, offset = -1) => {
    const error = refusal(run);
    expect([error.kind, error.problem, error.offset, error.source]).toEqual([kind, problem, offset, 'corpus.txt']);
    expect(error.message.startsWith(`${problem} `)).toBe(true); // the problem, then the advice
  };

  it('gives the text and the hex sha256 of the bytes', () => {
    // sha256("abc"), FIPS 180-2's example.
    expect(corpusText(utf8('abc'), 'x').sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('héllo\n'));
    expect(corpusText(bytes, 'x')).toEqual({ text: 'héllo\n', sha256: bytesToHex(sha256(bytes)) }); // the bytes' hash, BOM included
    expect(corpusText(latin1Cafe, 'x', { encoding: 'latin1' }).text).toBe('café\n');
  });

  it('refuses empty, binary, undecodable and whitespace-only text, naming the source and the problem', () => {
    expectRefused(() => corpusText(new Uint8Array(0), 'corpus.txt'), 'empty', 'corpus.txt is empty.');
    expectRefused(
      () => corpusText(Uint8Array.of(80, 75, 3, 4, 0, 0, 1), 'corpus.txt'),
      'binary',
      'corpus.txt looks binary (a NUL byte at offset 4).',
      4,
    );
    expectRefused(
      () => corpusText(latin1Cafe, 'corpus.txt'),
      'undecodable',
      'corpus.txt is not valid UTF-8: the bytes at offset 3 (line 1) are not a UTF-8 sequence (0xe9 0x0a).',
      3,
    );
    expectRefused(() => corpusText(utf8(' \n\t'.repeat(100)), 'corpus.txt'), 'whitespace', 'corpus.txt holds only whitespace.');
  });

  it('reads NUL bytes as text in encodings where they are (UTF-16)', () => {
    const utf16 = Uint8Array.of(0x68, 0, 0x69, 0); // "hi"
    expect(corpusText(utf16, 'x', { encoding: 'utf-16le' }).text).toBe('hi');
    expect(refusal(() => corpusText(utf16, 'x', { encoding: 'utf8' })).kind).toBe('binary'); // any label of UTF-8
  });

  it('refuses a text over the size limit before decoding it', () => {
    const bytes = utf8('0123456789');
    expect(checkedCorpusText(bytes, 'corpus.txt', {}, 10).text).toBe('0123456789');
    expectRefused(
      () => checkedCorpusText(Uint8Array.of(...bytes, 0xff), 'corpus.txt', {}, 10), // over the limit, and invalid: the size is said
      'too-large',
      "corpus.txt is 11 bytes; a text is read whole, up to 10 bytes (JavaScript's string limit).",
    );
  });
});
