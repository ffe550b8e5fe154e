import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import envPaths from 'env-paths';

/** The cache directory: `SCRATCHGPT_CACHE_DIR`, else the user cache (e.g. `~/.cache/scratchgpt`). */
export function defaultCacheDir(): string {
  return process.env.SCRATCHGPT_CACHE_DIR || envPaths('scratchgpt', { suffix: '' }).cache;
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The temporary files of {@link writeFileAtomic}: `.<file name>.<12 hex digits>.tmp` (and this package's older `.<hex>.tmp`). */
const TEMP_FILE = /^\.(?:.+\.)?[0-9a-f]{12}\.tmp$/;

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename, so a
 * reader sees the old file or the new one, never half of one. The rename replaces a symbolic link
 * at `path` itself, never the file it points to. A process killed mid-write leaves its temporary
 * file behind: {@link removeTempFiles} clears them.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A new temporary file's path for {@link writeFileAtomic} of `path`: beside it, so the rename stays on one file system. */
export const tempPathFor = (path: string): string => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/** Whether a file name is a temporary file of {@link writeFileAtomic}. */
export const isTempFile = (name: string): boolean => TEMP_FILE.test(name);

/**
 * Removes the temporary files that {@link writeFileAtomic} left in `dir` when its process was
 * killed mid-write; returns their names. Call it only on a directory no other process writes to
 * at the same time (e.g. one you hold a lock on): a temporary file being written would go too.
 */
export async function removeTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isTempFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  await Promise.all(names.map((name) => rm(join(dir, name), { force: true })));
  return names;
}
