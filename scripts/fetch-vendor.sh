#!/usr/bin/env bash
# Fetch the third-party JavaScript the pages use, from the npm registry at pinned versions,
# and copy the distributed files unedited into static/vendor/. Run it to update or verify them.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name@version  file-inside-the-package  file-in-static/vendor
packages=(
  "htmx.org@2.0.4 package/dist/htmx.min.js htmx.min.js"
  "qr-scanner@1.4.2 package/qr-scanner.umd.min.js qr-scanner.umd.min.js"
  "qr-scanner@1.4.2 package/qr-scanner-worker.min.js qr-scanner-worker.min.js"
  "qr-scanner@1.4.2 package/LICENSE qr-scanner.LICENSE"
  "qrcode-generator@2.0.4 package/dist/qrcode.js qrcode-generator.js"
)

mkdir -p "$dest"
for entry in "${packages[@]}"; do
  read -r spec inner target <<<"$entry"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tarball=$(ls "$tmp"/*.tgz)
  tar -xzf "$tarball" -C "$tmp" "$inner"
  cp "$tmp/$inner" "$dest/$target"
  rm -rf "$tmp"/*
  echo "$spec -> $dest/$target"
done
