#!/usr/bin/env bash
# Runs `dlc check` on every example spec; fails on the first that does not check clean.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -q
dlc=$(swift build --show-bin-path)/dlc
status=0
for spec in specs/*.yaml; do
  if "$dlc" check "$spec" > /dev/null; then
    echo "ok    $spec"
  else
    echo "FAIL  $spec"
    "$dlc" check "$spec" || true
    status=1
  fi
done
exit $status
