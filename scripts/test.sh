#!/usr/bin/env bash
# The README's test command, and CI's (`.ci/run` calls exactly this): sets up what the tests need
# on a fresh Debian machine (pnpm and the dependencies, Chromium for the browser tests, Mesa's
# software Vulkan for the WebGPU tests in Node), builds,
# lints, type-checks and runs every test (unit tests of each package and app, the browser e2e, the
# pack-and-install check of every publishable package).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# Tiny Shakespeare before anything slow (tests/dataset.ts: found, or downloaded and verified into
# .cache/datasets/); offline without a copy this stops here with one line: what to fetch, where.
"$PNPM" exec tsx tests/dataset.ts
bash scripts/browser.sh
bash scripts/vulkan.sh
quietly "building the packages (pnpm build)" build "$PNPM" build
quietly "linting and checking the formatting (pnpm lint)" lint "$PNPM" lint
quietly "type-checking (pnpm typecheck)" typecheck "$PNPM" typecheck
echo "› testing (vitest)"
"$PNPM" exec vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json
node scripts/test-summary.mjs .cache/vitest.json
