#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build, and run the demo.
# For now the demo tokenizes Tiny Shakespeare with every tokenizer and prints the comparison.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
"$PNPM" demo
