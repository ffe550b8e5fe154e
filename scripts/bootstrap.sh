#!/usr/bin/env bash
# Sets up the workspace on a fresh machine that has only Node.js (>= 20.19) and npm:
# installs the pinned pnpm into .tools/ (no global install, no root needed), then the
# workspace's dependencies from the lockfile. Source it; it exports PNPM.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="$(node -p "require('$ROOT/package.json').packageManager.split('@')[1]")"
PNPM="$ROOT/.tools/node_modules/.bin/pnpm"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`scratchgpt needs Node.js >= 20.19 (found ${process.versions.node}).`); process.exit(1) }'

if [ ! -x "$PNPM" ] || [ "$("$PNPM" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "› installing pnpm@$PNPM_VERSION into .tools/"
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools" "pnpm@$PNPM_VERSION" >/dev/null
fi
export PNPM
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"  # turbo looks pnpm up on PATH
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
# Tests and CI use the shared copy of Tiny Shakespeare when it is there (else it is downloaded).
if [ -z "${SCRATCHGPT_DATA_DIR:-}" ] && [ -f "$ROOT/../shared/data/tinyshakespeare.txt" ]; then
  export SCRATCHGPT_DATA_DIR="$ROOT/../shared/data"
fi
cd "$ROOT"
echo "› pnpm install"
"$PNPM" install --frozen-lockfile --reporter=append-only 2>&1 | grep -v '^Progress' || true
test -d "$ROOT/node_modules/.pnpm" || { echo "pnpm install failed" >&2; exit 1; }
