// Removes the test run's temporary directory (made in vitest.config.ts) when the run ends.
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = project.config.env.SCRATCHGPT_TEST_TMP;
  return () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
