#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build, train the shakespeare-char-cpu model on Tiny
# Shakespeare (nanoGPT's laptop recipe, 2000 steps), then sample from it. Extra arguments go to
# `scratchgpt train` (e.g. `--max-iters 200` for a short run). Run it again to resume or re-sample.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
OUT="${OUT:-runs/shakespeare-char-cpu}"
quietly "building the packages (pnpm build)" build "$PNPM" build
resume=()
[[ -f "$OUT/ckpt.safetensors" ]] && resume=(--resume)
./scratchgpt train --preset shakespeare-char-cpu --data shakespeare --out "$OUT" "${resume[@]}" "$@"
./scratchgpt sample --run "$OUT" --max-new-tokens 500
