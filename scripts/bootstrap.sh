#!/usr/bin/env bash
# Sets up the workspace on a fresh machine that has only Node.js (>= 20.19) and npm: installs the
# pinned pnpm into .tools/ (no global install, no root needed), then the workspace's dependencies
# from the lockfile. Quiet unless something fails (the full output is in .cache/). Source it; it
# exports PNPM and defines `quietly`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="$(node -p "require('$ROOT/package.json').packageManager.split('@')[1]")"
PNPM="$ROOT/.tools/node_modules/.bin/pnpm"
mkdir -p "$ROOT/.cache"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`scratchgpt needs Node.js >= 20.19 (found ${process.versions.node}).`); process.exit(1) }'

# quietly <what> <log name> <command...>: runs the command with its output in .cache/<log name>.log,
# printing one line; on failure prints the log and exits with the command's status.
quietly() {
  local what="$1" log="$ROOT/.cache/$2.log"
  shift 2
  echo "› $what"
  local status=0
  "$@" > "$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    echo "✗ $what failed (status $status; the output above is also in ${log#"$ROOT"/})" >&2
    exit "$status"
  fi
}

if [ ! -x "$PNPM" ] || [ "$("$PNPM" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  quietly "installing pnpm@$PNPM_VERSION into .tools/" install-pnpm \
    npm install --no-audit --no-fund --prefix "$ROOT/.tools" "pnpm@$PNPM_VERSION"
fi
export PNPM
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"  # turbo looks pnpm up on PATH
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
# Tests and CI use the shared copy of Tiny Shakespeare when it is there (else it is downloaded).
if [ -z "${SCRATCHGPT_DATA_DIR:-}" ] && [ -f "$ROOT/../shared/data/tinyshakespeare.txt" ]; then
  export SCRATCHGPT_DATA_DIR="$ROOT/../shared/data"
fi
cd "$ROOT"
quietly "installing dependencies (pnpm install)" install "$PNPM" install --frozen-lockfile --reporter=append-only
