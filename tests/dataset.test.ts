/**
 * The test run's data path (tests/dataset.ts), as a fresh clone meets it: a copy the user names, the
 * shared copy, or a verified download into the repository's cache that later runs reuse; and
 * offline, one line saying what to fetch and where to put it. A local server stands in for the
 * download host; a closed port for a machine without network.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../packages/data/src/node/datasets';
import { findTestData, REPO_CACHE_DIR } from './dataset';

const body = 'First Citizen:\nBefore we proceed any further, hear me speak.\n';
let server: Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/input.txt`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const tmp = () => mkdtempSync(join(tmpdir(), 'scratchgpt-testdata-'));
const datasets = (at = () => url) => ({
  tiny: { filename: 'tiny.txt', url: at(), sha256: createHash('sha256').update(body).digest('hex'), description: 'test' },
});

describe('findTestData', () => {
  it('downloads into the cache once, verified, and later runs reuse it', async () => {
    const cacheDir = tmp();
    const before = requests;
    const options = { datasets: datasets(), dataDir: '', sharedDir: tmp(), cacheDir };
    const dir = await findTestData('tiny', options);
    expect(dir).toBe(join(cacheDir, 'datasets'));
    expect(readFileSync(join(dir, 'tiny.txt'), 'utf8')).toBe(body);
    expect(await findTestData('tiny', options)).toBe(dir);
    expect(requests - before).toBe(1);
  });

  it("prefers the user's directory, then the shared copy, to the cache", async () => {
    const [user, shared] = [tmp(), tmp()];
    for (const dir of [user, shared]) writeFileSync(join(dir, 'tiny.txt'), body);
    const before = requests;
    expect(await findTestData('tiny', { datasets: datasets(), dataDir: user, sharedDir: shared, cacheDir: tmp() })).toBe(user);
    expect(await findTestData('tiny', { datasets: datasets(), dataDir: '', sharedDir: shared, cacheDir: tmp() })).toBe(shared);
    expect(requests - before).toBe(0);
  });

  it('offline, stops with one line: the URL to fetch and the path to save it at', async () => {
    const closed = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => done(port));
      });
    });
    const cacheDir = tmp();
    const info = datasets(() => `http://127.0.0.1:${closed}/input.txt`);
    const error = await findTestData('tiny', { datasets: info, dataDir: '', sharedDir: tmp(), cacheDir, timeoutMs: 10_000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).not.toContain('\n');
    expect(error?.message).toMatch(/^The tests need tiny\.txt \(could not download it: fetch failed[^)]*\): download /);
    expect(error?.message).toContain(
      `download ${info.tiny.url} (sha256 ${info.tiny.sha256}) and save it as ${join(cacheDir, 'datasets', 'tiny.txt')}`,
    );
    expect(error?.message).toContain('or set SCRATCHGPT_DATA_DIR to a directory that holds tiny.txt.');
    expect(existsSync(join(cacheDir, 'datasets', 'tiny.txt'))).toBe(false);
  });

  it('names a wrong copy in the directory the user gave, on one line', async () => {
    const user = tmp();
    writeFileSync(join(user, 'tiny.txt'), 'tampered');
    const error = await findTestData('tiny', { datasets: datasets(), dataDir: user, sharedDir: tmp(), cacheDir: tmp() }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toMatch(
      new RegExp(`^The tests need tiny\\.txt \\(${join(user, 'tiny.txt')} has sha256 [0-9a-f]{64}, but`),
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('gave this run Tiny Shakespeare through SCRATCHGPT_DATA_DIR, verified; a download goes to the repository cache', async () => {
    const dir = process.env.SCRATCHGPT_DATA_DIR!;
    const text = readFileSync(join(dir, DATASETS.shakespeare!.filename));
    expect(createHash('sha256').update(text).digest('hex')).toBe(DATASETS.shakespeare!.sha256);
    expect(REPO_CACHE_DIR).toBe(join(import.meta.dirname, '..', '.cache'));
  });
});
