#!/usr/bin/env bash
# Debian packages the browser tests need: chromium (driven by Playwright through executable_path, so
# Playwright never downloads a browser) and fonts-wqy-microhei (Chinese glyphs in screenshots).
# Idempotent: does nothing when both are installed; runs `apt-get update` only when a package is
# missing and apt has no package lists yet, or when the first install attempt cannot find a package.
set -euo pipefail
packages=(chromium fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_browser: chromium and fonts-wqy-microhei are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_browser: skipped: not root; install them yourself: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: skipped: no apt-get here; install ${missing[*]} with your system's package manager" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' || true)" ]; then
  apt-get update -qq
fi
if ! apt-get install -y -qq "${missing[@]}"; then
  apt-get update -qq   # the package lists were stale
  apt-get install -y -qq "${missing[@]}"
fi
echo "install_browser: installed ${missing[*]}"
