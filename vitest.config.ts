import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

// Tests use the shared copy of Tiny Shakespeare beside the checkout when there is one
// (else `resolveDataset` downloads it into the cache, verified).
const shared = resolve(root, '../shared/data');
const env: Record<string, string> =
  !process.env.SCRATCHGPT_DATA_DIR && existsSync(join(shared, 'tinyshakespeare.txt')) ? { SCRATCHGPT_DATA_DIR: shared } : {};

const workspaces = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, dir, d.name, 'package.json')))
    .map((d) => ({ extends: true as const, test: { name: d.name, root: join(root, dir, d.name), include: ['src/**/*.test.ts'] } })),
);

export default defineConfig({
  test: {
    env,
    testTimeout: 60_000,
    projects: [...workspaces, { extends: true, test: { name: 'repo', root, include: ['tests/**/*.test.ts'] } }],
  },
});
