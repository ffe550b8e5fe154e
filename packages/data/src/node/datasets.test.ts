import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, resolveDataset, type DatasetInfo } from './datasets';

const body = 'First Citizen:\nBefore we proceed any further, hear me speak.\n';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/corpus.txt') res.end(body);
    else if (req.url === '/slow') setTimeout(() => res.end(body), 2000);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const tmp = () => mkdtempSync(join(tmpdir(), 'scratchgpt-data-'));
const info = (over: Partial<DatasetInfo> = {}): Record<string, DatasetInfo> => ({
  tiny: { filename: 'tiny.txt', url: `${base}/corpus.txt`, sha256: sha(body), description: 'test', ...over },
});

describe('resolveDataset', () => {
  it('finds Tiny Shakespeare (the shared copy in tests) with the right checksum', async () => {
    const path = await resolveDataset('shakespeare');
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(DATASETS.shakespeare!.sha256);
  });

  it('uses an existing file path as it is', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'mine.txt'), 'my text');
    expect(await resolveDataset(join(dir, 'mine.txt'))).toBe(join(dir, 'mine.txt'));
  });

  it('downloads into the cache once, verified, then reuses it', async () => {
    const cacheDir = tmp();
    const before = requests;
    const path = await resolveDataset('tiny', { datasets: info(), cacheDir, dataDir: '' });
    expect(path).toBe(join(cacheDir, 'datasets', 'tiny.txt'));
    expect(readFileSync(path, 'utf8')).toBe(body);
    expect(await resolveDataset('tiny', { datasets: info(), cacheDir, dataDir: '' })).toBe(path);
    expect(requests - before).toBe(1);
  });

  it('prefers the data directory, and rejects a file there with the wrong checksum', async () => {
    const dataDir = tmp();
    writeFileSync(join(dataDir, 'tiny.txt'), body);
    expect(await resolveDataset('tiny', { datasets: info(), dataDir, cacheDir: tmp() })).toBe(join(dataDir, 'tiny.txt'));
    writeFileSync(join(dataDir, 'tiny.txt'), 'tampered');
    await expect(resolveDataset('tiny', { datasets: info(), dataDir, cacheDir: tmp() })).rejects.toThrow(
      /tiny\.txt has sha256 [0-9a-f]{64}, but tiny\.txt should have/,
    );
  });

  it('refetches a corrupted cached copy', async () => {
    const cacheDir = tmp();
    const path = await resolveDataset('tiny', { datasets: info(), cacheDir, dataDir: '' });
    writeFileSync(path, 'corrupted');
    expect(readFileSync(await resolveDataset('tiny', { datasets: info(), cacheDir, dataDir: '' }), 'utf8')).toBe(body);
  });

  it('rejects a download with the wrong checksum and keeps nothing', async () => {
    const cacheDir = tmp();
    await expect(resolveDataset('tiny', { datasets: info({ sha256: sha('other') }), cacheDir, dataDir: '' })).rejects.toThrow(
      'The download was corrupted or the file changed upstream',
    );
    expect(existsSync(join(cacheDir, 'datasets', 'tiny.txt'))).toBe(false);
  });

  it('says which file to fetch and how to pass it when offline', async () => {
    const offline = info({ url: 'http://127.0.0.1:9/corpus.txt' }); // port 9 (discard): connection refused
    const error = resolveDataset('tiny', { datasets: offline, cacheDir: tmp(), dataDir: '' });
    await expect(error).rejects.toThrow('Could not download dataset "tiny" from http://127.0.0.1:9/corpus.txt');
    await expect(error).rejects.toThrow(
      `its sha256 is ${sha(body)}) and pass the file's path instead of "tiny", or put it in a directory named by SCRATCHGPT_DATA_DIR`,
    );
    await expect(resolveDataset('tiny', { datasets: info({ url: `${base}/missing` }), cacheDir: tmp(), dataDir: '' })).rejects.toThrow(
      'HTTP 404',
    );
    await expect(resolveDataset('tiny', { datasets: info(), cacheDir: tmp(), dataDir: '', download: false })).rejects.toThrow(
      'downloads are off',
    );
  });

  it('gives up on a download that does not answer in time', async () => {
    await expect(
      resolveDataset('tiny', { datasets: info({ url: `${base}/slow` }), cacheDir: tmp(), dataDir: '', timeoutMs: 100 }),
    ).rejects.toThrow(/Could not download dataset "tiny" .*(aborted|timeout)/i);
  });

  it('names an unknown dataset or missing file', async () => {
    await expect(resolveDataset('no/such/file.txt')).rejects.toThrow(
      'No file or dataset named "no/such/file.txt": pass the path of a text file, or one of the dataset names "shakespeare"',
    );
  });
});
