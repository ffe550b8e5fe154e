import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDirectory, withDirectoryLock } from './dir-lock';

const root = mkdtempSync(join(tmpdir(), 'dir-lock-'));
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const lockWith = (dir: string, info: object) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(info));
};

describe('lockDirectory', () => {
  it('holds a lock file with the pid while held, and refuses a second holder by name', async () => {
    const dir = join(root, 'a');
    const lock = await lockDirectory(dir, 'train');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'train' });
    // The holder is alive (this process): a second run on the directory is refused.
    await expect(lockDirectory(dir, 'compare')).rejects.toThrow(
      new RegExp(`${dir} is in use by another scratchgpt train \\(pid ${process.pid}, started .*\\); wait for it to finish or stop it`),
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(existsSync(dir)).toBe(false); // it created the directory, which stayed empty
    (await lockDirectory(dir, 'train')).release();
  });

  it('takes over a stale lock (its process is gone) and removes what a killed write left', async () => {
    const dir = join(root, 'stale');
    lockWith(dir, { pid: deadPid(), host: hostname(), command: 'train', started: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(dir, '.ckpt.safetensors.0123456789ab.tmp'), 'half a checkpoint');
    writeFileSync(join(dir, 'ckpt.safetensors'), 'kept');
    const lock = await lockDirectory(dir, 'train');
    expect(readdirSync(dir).sort()).toEqual(['ckpt.safetensors', LOCK_FILE]);
    lock.release();
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']); // not created by the lock: stays
  });

  it('takes over an unreadable lock, and refuses one held on another host', async () => {
    const dir = join(root, 'odd');
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": ');
    (await lockDirectory(dir, 'train')).release();
    lockWith(dir, { pid: process.pid, host: 'elsewhere', command: 'train', started: 'then' });
    await expect(lockDirectory(dir, 'train')).rejects.toThrow(`(pid ${process.pid} on elsewhere, started then)`);
    await expect(lockDirectory(dir, 'train')).rejects.toThrow(`If that process is gone, delete ${join(dir, LOCK_FILE)}.`);
  });

  it('refuses a file given as the directory, and releases when the work throws', async () => {
    const file = join(root, 'file.txt');
    writeFileSync(file, 'x');
    await expect(lockDirectory(file, 'train')).rejects.toThrow(`--out ${file} is a file; pass a directory.`);
    const dir = join(root, 'throws');
    await expect(
      withDirectoryLock(dir, 'train', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(dir)).toBe(false);
  });
});
