#!/usr/bin/env bash
# Packs what `run.sh` needs on a Linux x64 machine with a GPU into .gpu-carry/ at the repository's
# root (ignored by git; under 64 MiB): Node itself (the machine may have none), the trainer CLI
# bundled into one file (with tiktoken's wasm beside it), the `webgpu` package's linux-x64 Dawn binary, Tiny Shakespeare and the
# nanoGPT peer from ../shared. Run it here, then carry .gpu-carry to the GPU machine with the tree.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
quietly "building the packages (pnpm build)" build "$PNPM" build
SHARED="${SCRATCHGPT_SHARED:-$ROOT/../shared}"
for f in "$SHARED/data/tinyshakespeare.txt" "$SHARED/peers/nanoGPT/train.py"; do
  [ -f "$f" ] || { echo "✗ $f is missing: point SCRATCHGPT_SHARED at the folder holding data/ and peers/." >&2; exit 1; }
done
C="$ROOT/.gpu-carry"
rm -rf "$C"
mkdir -p "$C/bin" "$C/node_modules/webgpu/dist/linux-x64" "$C/data" "$C/nanogpt"
echo "› bundling the trainer CLI"
"$ROOT/node_modules/.bin/esbuild" "$ROOT/apps/trainer/dist/cli.js" --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --log-level=error --outfile="$C/bin/scratchgpt.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));"
WEBGPU="$(cd "$ROOT/packages/nn" && node -p "require('path').dirname(require.resolve('webgpu/package.json'))")"
cp "$(find "$ROOT/node_modules/.pnpm" -path '*node_modules/tiktoken/tiktoken_bg.wasm' | head -1)" "$C/bin/" # read beside the bundle
cp "$ROOT/apps/trainer/package.json" "$C/" # the CLI reads its version from ../package.json
cp "$WEBGPU/package.json" "$WEBGPU/index.js" "$C/node_modules/webgpu/"
cp "$WEBGPU/dist/linux-x64/dawn.node" "$C/node_modules/webgpu/dist/linux-x64/"
echo "› packing Node $(node --version)"
tar -cJf "$C/node.tar.xz" -C "$(dirname "$(command -v node)")" node
cp "$SHARED/data/tinyshakespeare.txt" "$C/data/"
cp -r "$SHARED/peers/nanoGPT/." "$C/nanogpt/"
cp "$ROOT/bench/gpu-machine/run.sh" "$ROOT/bench/gpu-machine/summarize.mjs" "$C/"
echo "› .gpu-carry: $(du -sh "$C" | cut -f1) (the device tool carries at most 64 MiB)"
