#!/usr/bin/env bash
# The GPU the WebGPU tests run on where the machine has none: Mesa's software Vulkan (lavapipe),
# which Dawn (inside the `webgpu` npm package) drives like any Vulkan GPU. Debian 12's Mesa 22.3 is
# refused by Dawn ("Vulkan shaderUniform*ArrayDynamicIndexing required"), so Mesa comes from
# Debian's bookworm-backports suite (Mesa 25). Installs it with apt when it is missing (as root, or
# with sudo), or says at once what to run. A machine with a real GPU and its Vulkan driver needs
# none of this: set SCRATCHGPT_SKIP_LAVAPIPE=1.
set -euo pipefail
[ -n "${SCRATCHGPT_SKIP_LAVAPIPE:-}" ] && exit 0
ICD=/usr/share/vulkan/icd.d/lvp_icd.json
have_mesa25() {
  [ -f "$ICD" ] && dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2> /dev/null | grep -q '^2[5-9]\.'
}
have_mesa25 && exit 0
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then SUDO=(sudo); fi
fi
FIX="add Debian's bookworm-backports suite to apt's sources, then: sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1 (or set SCRATCHGPT_SKIP_LAVAPIPE=1 on a machine with a Vulkan GPU driver)"
if ! command -v apt-get > /dev/null || { [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; }; then
  echo "✗ The WebGPU tests need Mesa >= 25's software Vulkan (lavapipe). To install it, $FIX." >&2
  exit 1
fi
echo "› installing Mesa's software Vulkan from bookworm-backports for the WebGPU tests"
log="$(mktemp)"
sources=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    "${SUDO[@]}" tee "$sources" > /dev/null
fi
if ! { "${SUDO[@]}" apt-get update -q &&
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers libvulkan1; } > "$log" 2>&1; then
  cat "$log" >&2
  echo "✗ installing Mesa's Vulkan failed; $FIX." >&2
  exit 1
fi
rm -f "$log"
have_mesa25 || { echo "✗ Mesa's Vulkan installed but $ICD (Mesa >= 25) is missing; $FIX." >&2; exit 1; }
