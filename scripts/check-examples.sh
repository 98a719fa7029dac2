#!/usr/bin/env bash
# Runs `dlc check` on every example spec and `dlc compile -o` (the emitted trainer package)
# into a temporary folder; fails when any does not come out clean.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -q
dlc=$(swift build --show-bin-path)/dlc
status=0
packages=$(mktemp -d)
trap 'rm -rf "$packages"' EXIT
for spec in specs/*.yaml; do
  if "$dlc" check "$spec" > /dev/null && "$dlc" compile "$spec" -o "$packages/$(basename "$spec" .yaml)" > /dev/null; then
    echo "ok    $spec"
  else
    echo "FAIL  $spec"
    "$dlc" check "$spec" || true
    "$dlc" compile "$spec" -o "$packages/x" || true
    status=1
  fi
done
exit $status
