/**
 * One writer per directory: `train` and `compare` hold a lock file (`scratchgpt.lock`, holding the
 * pid, host, command and start time) in the directory they write, so a second run on the same
 * `--out` is refused while the first runs instead of interleaving checkpoints and metrics. A lock
 * whose process is gone (kill -9, a crash, a reboot) is stale: the next run takes it over. The lock
 * goes with the process (its `exit` handler removes it, whatever the exit path).
 */
import { existsSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { removeTempFiles, tempPathFor } from '@scratchgpt/data/node';

export const LOCK_FILE = 'scratchgpt.lock';

/** What a lock file says. */
interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

/** A held lock: `release` removes it, and the directories taking it created if they stayed empty (also done when the process exits). */
export interface DirLock {
  path: string;
  release(): void;
}

/** Whether a process with this pid runs on this machine (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file's text ('' when there is none). */
function lockText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What a lock file's text says, or undefined when it is not a lock (empty, damaged). */
function parseLock(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `dir`'s lock for `command` (creating `dir`), or throws naming the run that holds it. A
 * stale lock (its process gone) is taken over, and the temporary files of a write that its process
 * did not finish are removed.
 */
export async function lockDirectory(dir: string, command: string): Promise<DirLock> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`--out ${dir} is a file; pass a directory.`);
  const created = await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  // The lock appears whole or not at all: written aside, then hard-linked into place (link fails if it exists).
  const tmp = tempPathFor(path);
  await writeFile(tmp, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = lockText(path);
      const held = parseLock(text);
      if (held !== undefined && (held.host !== mine.host || isRunning(held.pid))) {
        const where = held.host === mine.host ? `pid ${held.pid}` : `pid ${held.pid} on ${held.host}`;
        throw new Error(
          `${dir} is in use by another scratchgpt ${held.command} (${where}, started ${held.started}); wait for it to finish or stop it, or pass another --out. ` +
            `If that process is gone, delete ${path}.`,
        );
      }
      if (attempt === 2)
        throw new Error(`${dir}: its lock ${path} keeps coming back; another scratchgpt may be starting there. Run again.`);
      // Stale (its process is gone) or unreadable: take it over, unless it changed meanwhile.
      if (lockText(path) === text) await rm(path, { force: true });
    }
  } finally {
    await rm(tmp, { force: true });
  }
  if (parseLock(lockText(path))?.pid !== process.pid)
    throw new Error(`${dir} was locked by another scratchgpt at the same moment; run again.`);
  const release = () => {
    process.off('exit', release);
    try {
      if (parseLock(lockText(path))?.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
    if (created !== undefined) removeIfEmpty(resolve(dir), resolve(created));
  };
  process.on('exit', release);
  await removeTempFiles(dir); // ours now: what a killed save left is garbage
  return { path, release };
}

/** Removes `dir` and its parents up to `top` while they are empty (a run that failed before writing leaves nothing). */
function removeIfEmpty(dir: string, top: string): void {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
}

/** Runs `fn` holding `dir`'s lock. */
export async function withDirectoryLock<T>(dir: string, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockDirectory(dir, command);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
