#!/usr/bin/env bash
# The GPU measurement (issue: WebGPU training): on a Linux x64 machine with an NVIDIA (or any
# Vulkan) GPU and PyTorch, trains nanoGPT's `shakespeareChar` recipe with `scratchgpt train
# --backend webgpu` and, in the same run, nanoGPT itself in PyTorch (eager, float32) on the same
# GPU, and writes both tokens/s and the val loss reached to $OUT (or bench/results/) as
# gpu-machine.json and .md. Needs only what `pack.sh` put in .gpu-carry/ (Node included) and, on
# the machine, a Vulkan loader and driver and python3 with torch.
#
#   bash bench/gpu-machine/pack.sh                           # here, once
#   bash .gpu-carry/run.sh                                   # there, from the repository's root
#
# Settings (environment): OUR_MINUTES (default 15: nanoGPT's goal is val <= 1.47 within 15 min),
# NANOGPT_ITERS (default 5000, the recipe's), ALLOW_SOFTWARE=1 to run on a software adapter (a
# check of this script on a CPU-only machine, not a measurement), OUR_FLAGS: more `train` flags
# (for that check: OUR_FLAGS="--batch-size 2 --eval-iters 2 --eval-interval 4").
set -euo pipefail
C="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RESULTS="${OUT:-$C/../bench/results}"
WORK="$(mktemp -d)"
OUR_MINUTES="${OUR_MINUTES:-15}"
NANOGPT_ITERS="${NANOGPT_ITERS:-5000}"
say() { echo "› $*"; }

# 1. Node: the machine's if recent enough, else the one packed.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2> /dev/null; then
  tar -xJf "$C/node.tar.xz" -C "$WORK"
  export PATH="$WORK:$PATH"
fi
say "node $(node --version)"

# 2. Vulkan: a loader (libvulkan) and a driver Dawn can use.
if ! ldconfig -p 2> /dev/null | grep -q libvulkan.so.1; then
  echo "✗ No Vulkan loader (libvulkan.so.1) on this machine: install libvulkan1 (Debian/Ubuntu) or unpack it from a .deb, then run again." >&2
  exit 1
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK}"
probe="$(cd "$WORK" && node "$C/bin/scratchgpt.mjs" train --backend webgpu --data "$C/data/tinyshakespeare.txt" --n-layer 1 --n-embd 16 --n-head 1 \
  --block-size 8 --batch-size 1 --max-iters 0 --eval-iters 1 --sample-tokens 0 --out probe 2>&1 | grep '^backend:' || true)"
say "${probe:-webgpu did not start}"
case "$probe" in
  *"software adapter"*) [ -n "${ALLOW_SOFTWARE:-}" ] || { echo "✗ Dawn found only a software adapter: no GPU to measure (ALLOW_SOFTWARE=1 runs anyway, as a check of this script)." >&2; exit 1; } ;;
  "backend: webgpu"*) ;;
  *) echo "✗ The webgpu backend did not start; run: node $C/bin/scratchgpt.mjs train --backend webgpu --max-iters 0 to see why." >&2; exit 1 ;;
esac

# 3. nanoGPT in PyTorch, eager float32, on the same GPU.
if python3 -c 'import torch; assert torch.cuda.is_available()' 2> /dev/null; then
  say "nanoGPT: $NANOGPT_ITERS iterations of train_shakespeare_char (PyTorch $(python3 -c 'import torch; print(torch.__version__)'), float32, no compile)"
  cp -r "$C/nanogpt" "$WORK/nanogpt"
  cp "$C/data/tinyshakespeare.txt" "$WORK/nanogpt/data/shakespeare_char/input.txt"
  (cd "$WORK/nanogpt" && python3 data/shakespeare_char/prepare.py > /dev/null &&
    PYTHONUNBUFFERED=1 python3 train.py config/train_shakespeare_char.py --device=cuda --compile=False --dtype=float32 \
      --max_iters="$NANOGPT_ITERS" --lr_decay_iters="$NANOGPT_ITERS" --always_save_checkpoint=False) > "$WORK/nanogpt.log" 2>&1 ||
    { tail -20 "$WORK/nanogpt.log" >&2; echo "✗ nanoGPT failed (log above)." >&2; exit 1; }
else
  say "nanoGPT skipped: python3 with torch and CUDA is not here"
fi

# 4. scratchgpt on webgpu, stopped after OUR_MINUTES (Ctrl-C saves and ends the run cleanly).
say "scratchgpt: shakespeare-char on webgpu for up to $OUR_MINUTES min"
(cd "$WORK" && timeout -s INT -k 60 "${OUR_MINUTES}m" node "$C/bin/scratchgpt.mjs" train --backend webgpu --preset shakespeare-char \
  --data "$C/data/tinyshakespeare.txt" --sample-tokens 0 --out run ${OUR_FLAGS:-}) > "$WORK/scratchgpt.log" 2>&1 || true
tail -3 "$WORK/scratchgpt.log"

# 5. Both, side by side.
mkdir -p "$RESULTS"
node "$C/summarize.mjs" "$WORK/run/metrics.jsonl" "$WORK/nanogpt.log" "$probe" "$RESULTS"
