import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

// Every temporary file of a test run (and the token cache) goes under one directory outside the
// repository, removed when the run ends (tests/global-setup.ts): nothing lands in ~/.cache or
// piles up in /tmp. Tiny Shakespeare is not set here: tests/global-setup.ts finds it (or downloads
// it, verified, into the repository's .cache/) before any test and sets SCRATCHGPT_DATA_DIR.
const testTmp = join(tmpdir(), `scratchgpt-tests-${process.pid}`);
mkdirSync(join(testTmp, 'cache'), { recursive: true });
const env: Record<string, string> = { TMPDIR: testTmp, SCRATCHGPT_CACHE_DIR: join(testTmp, 'cache'), SCRATCHGPT_TEST_TMP: testTmp };

const workspaces = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, dir, d.name, 'package.json')))
    .map((d) => ({ extends: true as const, test: { name: d.name, root: join(root, dir, d.name), include: ['src/**/*.test.ts'] } })),
);

export default defineConfig({
  test: {
    env,
    globalSetup: [join(root, 'tests/global-setup.ts')],
    testTimeout: 60_000,
    projects: [...workspaces, { extends: true, test: { name: 'repo', root, include: ['tests/**/*.test.ts'] } }],
  },
});
