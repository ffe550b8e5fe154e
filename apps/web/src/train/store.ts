/**
 * Where the Train view keeps its runs: the browser's origin private file system (OPFS), so a reload
 * finds every run and resumes it from its checkpoint. One directory per run and one file per text:
 *
 *   runs/<id>/run.json           the run as the list shows it (`RunInfo` of protocol.ts)
 *   runs/<id>/ckpt.safetensors   its checkpoint, in the format `scratchgpt train` writes and reads
 *   corpora/<sha256>.txt         each training text once, by the sha256 of its bytes
 *
 * A file is written through `createWritable()`, whose bytes replace the file only when `close()`
 * succeeds: a write that fails (the storage is full, the tab closes) leaves the old file whole, so
 * the last saved checkpoint always survives. A full storage (`QuotaExceededError`) becomes a
 * {@link StorageFullError} that says in words what was not saved, what is kept, and what to do.
 * The worker writes while it trains; the page reads (list, download) and deletes. `memoryStore`
 * keeps the same layout in memory, with an optional quota, for tests.
 */
import type { RunInfo } from './protocol';

export interface RunStore {
  /** Every stored run, newest first (a run whose run.json cannot be read is left out). */
  list(): Promise<RunInfo[]>;
  info(id: string): Promise<RunInfo | undefined>;
  saveInfo(info: RunInfo): Promise<void>;
  /** Replaces the run's checkpoint; `step` (the checkpoint's) only words a full storage's message. */
  saveCheckpoint(id: string, bytes: Uint8Array, step?: number): Promise<void>;
  loadCheckpoint(id: string): Promise<Uint8Array | undefined>;
  saveCorpus(sha256: string, text: string): Promise<void>;
  loadCorpus(sha256: string): Promise<string | undefined>;
  /** Deletes the run (its text stays: other runs may train on it). */
  remove(id: string): Promise<void>;
}

/** The storage is full: `what` was not saved; `kept` says what is safe. The message adds the fix. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(
    /** E.g. 'the checkpoint of run "char" at step 500 (3.2 MB)'. */
    readonly what: string,
    /** E.g. 'The last saved checkpoint (step 250) is kept.' */
    readonly kept: string,
    options?: ErrorOptions,
  ) {
    super(
      `The browser's storage for this page is full: ${what} was not saved. ${kept} Free some space (delete runs in the list, or download this one and then delete it), then resume.`,
      options,
    );
  }
}

/** The file names of a run's directory (the checkpoint's is the CLI's `ckpt.safetensors`). */
export const RUN_FILES = { info: 'run.json', checkpoint: 'ckpt.safetensors' } as const;

/** A new run's id: its creation time and a random tail, a plain file name (e.g. `20250102-134501-k3f9q2`). */
export function newRunId(now = new Date()): string {
  const time = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const tail = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `${time}-${tail}`;
}

/** The plain names a store accepts as run ids (no path, no dots first) and as text hashes. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const SHA256 = /^[0-9a-f]{64}$/;

function checkName(kind: 'run id' | 'sha256', value: string): void {
  if (!(kind === 'run id' ? RUN_ID : SHA256).test(value))
    throw new Error(
      `${JSON.stringify(value)} is not a ${kind === 'run id' ? 'run id (letters, digits, - and _)' : 'sha256 (64 lowercase hex digits)'}; the storage holds no such thing.`,
    );
}

/** Byte-level files under a root: what OPFS and memory each provide. Paths are lists of plain names. */
interface Files {
  read(path: string[]): Promise<Uint8Array | undefined>;
  /** Replaces the file whole, or leaves the old one (a failed write changes nothing). */
  write(path: string[], bytes: Uint8Array): Promise<void>;
  /** Removes a file or a directory with everything in it; nothing when absent. */
  remove(path: string[]): Promise<void>;
  /** The names in a directory ([] when absent). */
  list(path: string[]): Promise<string[]>;
}

/** A size in words: "3.2 MB", "14 kB". */
const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`);
const isQuotaError = (error: unknown) => (error as { name?: unknown } | null)?.name === 'QuotaExceededError';

/** The run store's logic over any {@link Files}: the layout, JSON, checks and full-storage messages. */
function storeOver(files: Files): RunStore {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const runDir = (id: string) => {
    checkName('run id', id);
    return ['runs', id];
  };
  const info = async (id: string): Promise<RunInfo | undefined> => {
    const bytes = await files.read([...runDir(id), RUN_FILES.info]);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as RunInfo;
    } catch {
      return undefined; // a damaged record: the run is left out of the list (its checkpoint stays downloadable)
    }
  };
  /** Writes, turning a full storage into a StorageFullError about `what`. */
  const write = async (path: string[], bytes: Uint8Array, what: () => Promise<[string, string]>) => {
    try {
      await files.write(path, bytes);
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      const [whatText, kept] = await what();
      throw new StorageFullError(whatText, kept, { cause: error });
    }
  };
  /** What is kept of a run in storage, for a full storage's message. */
  const keptOf = async (id: string) => {
    const saved = await info(id).catch(() => undefined);
    return saved && saved.step > 0
      ? `The last saved checkpoint (step ${saved.step}) is kept.`
      : 'No checkpoint of this run was saved yet; its settings are kept.';
  };
  return {
    async list() {
      const runs = await Promise.all((await files.list(['runs'])).filter((n) => RUN_ID.test(n)).map((id) => info(id)));
      return runs.filter((r): r is RunInfo => r !== undefined).sort((a, b) => b.created.localeCompare(a.created));
    },
    info,
    async saveInfo(run) {
      const bytes = encoder.encode(JSON.stringify(run));
      await write([...runDir(run.id), RUN_FILES.info], bytes, async () => [
        `the record of run "${run.name}" at step ${run.step}`,
        await keptOf(run.id),
      ]);
    },
    async saveCheckpoint(id, bytes, step) {
      await write([...runDir(id), RUN_FILES.checkpoint], bytes, async () => {
        const name = (await info(id).catch(() => undefined))?.name ?? id;
        return [`the checkpoint of run "${name}"${step === undefined ? '' : ` at step ${step}`} (${size(bytes.length)})`, await keptOf(id)];
      });
    },
    async loadCheckpoint(id) {
      return files.read([...runDir(id), RUN_FILES.checkpoint]);
    },
    async saveCorpus(sha256, text) {
      checkName('sha256', sha256);
      const path = ['corpora', `${sha256}.txt`];
      if ((await files.list(['corpora'])).includes(`${sha256}.txt`)) return; // the same text is there (named by its hash)
      const bytes = encoder.encode(text);
      await write(path, bytes, async () => [`the training text (${size(bytes.length)})`, 'Runs already stored are kept.']);
    },
    async loadCorpus(sha256) {
      checkName('sha256', sha256);
      const bytes = await files.read(['corpora', `${sha256}.txt`]);
      return bytes === undefined ? undefined : decoder.decode(bytes);
    },
    async remove(id) {
      await files.remove(runDir(id));
    },
  };
}

/** The minimal OPFS surface used here (the DOM library's async iteration of a directory is not in this project's lib). */
type Directory = FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };

/** Whether an OPFS call failed because the entry is not there. */
const isNotFound = (error: unknown) => ['NotFoundError', 'TypeMismatchError'].includes((error as { name?: string } | null)?.name ?? '');

/** OPFS as {@link Files}. */
function opfsFiles(root: () => Promise<Directory>): Files {
  /** The directory at `path` (created when `create`), or undefined when absent. */
  const directory = async (path: string[], create: boolean): Promise<Directory | undefined> => {
    let dir = await root();
    for (const name of path) {
      try {
        dir = (await dir.getDirectoryHandle(name, { create })) as Directory;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    }
    return dir;
  };
  return {
    async read(path) {
      const dir = await directory(path.slice(0, -1), false);
      if (dir === undefined) return undefined;
      try {
        const file = await (await dir.getFileHandle(path.at(-1)!)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async write(path, bytes) {
      const dir = (await directory(path.slice(0, -1), true))!;
      const name = path.at(-1)!;
      const existed = await dir.getFileHandle(name).then(
        () => true,
        (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
      );
      const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
      try {
        await writable.write(bytes as Uint8Array<ArrayBuffer>);
        await writable.close(); // the new bytes replace the file only here
      } catch (error) {
        await writable.abort().catch(() => undefined); // drop the half-written swap file; the old file stays
        // A file this write created is empty until close(): remove it, so a failed first write leaves nothing behind.
        if (!existed) await dir.removeEntry(name).catch(() => undefined);
        throw error;
      }
    },
    async remove(path) {
      const dir = await directory(path.slice(0, -1), false);
      try {
        await dir?.removeEntry(path.at(-1)!, { recursive: true });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    async list(path) {
      const dir = await directory(path, false);
      const names: string[] = [];
      if (dir) for await (const name of dir.keys()) names.push(name);
      return names;
    },
  };
}

let persistAsked = false;

/** Runs in the browser's OPFS (page or worker). Asks once, best effort, that the storage be persistent (not evicted under pressure). */
export function opfsStore(): RunStore {
  if (!persistAsked) {
    persistAsked = true;
    void navigator.storage?.persist?.().catch(() => undefined); // a worker has no persist(): the page's call covers the origin
  }
  let root: Promise<Directory> | undefined;
  return storeOver(opfsFiles(() => (root ??= navigator.storage.getDirectory() as Promise<Directory>)));
}

/**
 * Runs in memory (tests). With `quotaBytes`, a write that would pass it fails as a full OPFS does
 * (`QuotaExceededError`), changing nothing; it is read at every write, so a test may lower it.
 */
export function memoryStore(options: { quotaBytes?: number } = {}): RunStore & { files: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>();
  const key = (path: string[]) => path.join('/');
  const used = () => [...map.values()].reduce((sum, b) => sum + b.length, 0);
  const files: Files = {
    async read(path) {
      const bytes = map.get(key(path));
      return bytes && Uint8Array.from(bytes); // a copy, as a file read is
    },
    async write(path, bytes) {
      const old = map.get(key(path))?.length ?? 0;
      if (options.quotaBytes !== undefined && used() - old + bytes.length > options.quotaBytes)
        throw new DOMException(`writing ${bytes.length} bytes would pass the quota of ${options.quotaBytes}`, 'QuotaExceededError');
      map.set(key(path), Uint8Array.from(bytes));
    },
    async remove(path) {
      const prefix = key(path);
      for (const k of [...map.keys()]) if (k === prefix || k.startsWith(`${prefix}/`)) map.delete(k);
    },
    async list(path) {
      const prefix = `${key(path)}/`;
      return [...new Set([...map.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0]!))];
    },
  };
  return Object.assign(storeOver(files), { files: map });
}
