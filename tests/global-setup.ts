// Before any test: finds Tiny Shakespeare (tests/dataset.ts: the user's copy, the shared one, the
// repository's cache, or a verified download into it) and hands its directory to every test as
// SCRATCHGPT_DATA_DIR; without it the run stops here with one line saying what to fetch and where
// to put it, instead of failing test after test. After the run: removes the run's temporary
// directory (made in vitest.config.ts).
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { findTestData } from './dataset';

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = project.config.env.SCRATCHGPT_TEST_TMP;
  const removeTmp = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Test workers get the main process's environment (under the config's `env`).
    process.env.SCRATCHGPT_DATA_DIR = await findTestData();
  } catch (error) {
    removeTmp();
    console.error(`\n✗ ${(error as Error).message}\n`);
    process.exit(1);
  }
  return removeTmp;
}
