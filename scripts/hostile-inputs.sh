#!/usr/bin/env bash
# Feeds the hostile-input corpus to the built `dlc check` under a time limit (20 s) and an
# address-space limit (4 GiB). Each case must end with exit status 1 and a positioned
# diagnostic; the table shows wall time and peak memory of each.
# Usage: scripts/hostile-inputs.sh [path/to/dlc]   (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
dlc=${1:-$(swift build --show-bin-path)/dlc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 scripts/hostile_corpus.py "$dir" "$PWD/specs/data/digits.csv"

printf '| case | bytes | exit | seconds | peak RSS (MiB) | first line of the diagnostic |\n|---|---|---|---|---|---|\n'
failed=0
for f in "$dir"/*.yaml; do
  name=$(basename "$f" .yaml)
  set +e
  /usr/bin/time -f '%e %M' -o "$dir/time" prlimit --as=$((4 << 30)) timeout 20 "$dlc" check "$f" > /dev/null 2> "$dir/err"
  status=$?
  set -e
  read -r secs kib < <(tail -n 1 "$dir/time") || { secs=?; kib=0; }
  first=$(grep -m1 'error' "$dir/err" | sed "s|$dir/||" | cut -c1-90)
  printf '| %s | %s | %s | %s | %s | `%s` |\n' "$name" "$(stat -c %s "$f")" "$status" "$secs" "$((kib / 1024))" "$first"
  if [ "$status" -ne 1 ] || ! grep -q "^$f:[0-9]*:[0-9]*: error: " "$dir/err"; then
    echo "FAIL: $name (exit $status)" >&2
    failed=1
  fi
done
exit $failed
