import { lstatSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTempFile, removeTempFiles, tempPathFor, writeFileAtomic } from './files';

describe('writeFileAtomic', () => {
  it('replaces a symbolic link at the path, never the file it points to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(dir, 'out.txt'));
    await writeFileAtomic(join(dir, 'out.txt'), 'new');
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(join(dir, 'out.txt')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('new');
  });
});

describe('removeTempFiles', () => {
  it('removes what a killed writeFileAtomic left behind, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const left = ['.ckpt.safetensors.0123456789ab.tmp', '.a1b2c3d4e5f6.tmp'];
    const kept = ['ckpt.safetensors', 'notes.tmp', '.hidden', '.x.123.tmp'];
    for (const name of [...left, ...kept]) writeFileSync(join(dir, name), '');
    expect(left.every(isTempFile)).toBe(true);
    expect((await removeTempFiles(dir)).sort()).toEqual([...left].sort());
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
    expect(await removeTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  it('recognizes the temporary files writeFileAtomic makes', () => {
    const tmp = tempPathFor(join('runs', 'x', 'ckpt.safetensors'));
    expect(dirname(tmp)).toBe(join('runs', 'x'));
    expect(isTempFile(basename(tmp))).toBe(true);
    expect(isTempFile('ckpt.safetensors')).toBe(false);
  });
});
