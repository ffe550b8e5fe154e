#!/usr/bin/env bash
# Sets up, builds, type-checks and runs every test (unit tests of each package, then the
# pack-and-install check of every publishable package). CI runs exactly this.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
"$PNPM" build
"$PNPM" typecheck
"$PNPM" exec vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json
node scripts/test-summary.mjs .cache/vitest.json
