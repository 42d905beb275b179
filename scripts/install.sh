#!/usr/bin/env bash
# Install kiosk into .venv, with the Debian/Ubuntu packages it runs best with.
#   scripts/install.sh          the app (fonts for every script, HarfBuzz's fast font subsetter)
#   scripts/install.sh --test   the app, the test tools and Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core fonts-wqy-microhei)
extra="."
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium)
  extra=".[test]"
fi

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    as_root=(false)
  fi
  echo "Installing system packages: ${missing[*]}"
  if ! { "${as_root[@]}" apt-get update -qq &&
         "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "Could not install ${missing[*]} (needs root): kiosk still works, badges render slower"
    echo "and names in some scripts may lack glyphs. Install them with: sudo apt-get install ${missing[*]}"
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e "$extra"
