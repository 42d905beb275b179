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
