#!/usr/bin/env bash
# The browser the sampler's tests and benchmark drive: Debian's Chromium (WebGPU through
# SwiftShader). Installs it with apt when it is missing (as root, or with sudo), or says at once
# what to run. Never downloads a browser of its own (no `playwright install`).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "✗ CHROMIUM_PATH=$CHROMIUM_PATH is not an executable browser; point it at Chromium, or unset it to use Debian's /usr/bin/chromium." >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then SUDO=(sudo); else SUDO=(); fi
fi
if ! command -v apt-get > /dev/null || { [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; }; then
  echo "✗ The browser tests need Chromium at /usr/bin/chromium. Install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH to a Chromium binary)." >&2
  exit 1
fi
echo "› installing Debian's chromium for the browser tests (apt-get install chromium)"
log="$(mktemp)"
if ! { "${SUDO[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q chromium; } > "$log" 2>&1; then
  cat "$log" >&2
  echo "✗ installing chromium failed; install it yourself (sudo apt-get install -y chromium) and run the tests again." >&2
  exit 1
fi
rm -f "$log"
