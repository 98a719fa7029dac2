#!/usr/bin/env bash
# Proves that two dlc binaries compute the same numbers: each trains every example in specs/
# (in a copy of the folder, so digits_transfer finds that binary's digits_autoencoder run),
# then runs eval, predict, latency and a resumed run, and the checkpoints (best, last,
# optimized) and the eval and predict outputs are compared byte for byte.
#
#   scripts/compare-checkpoints.sh DLC_A DLC_B [--epochs N] [--keep DIR]
#
# --epochs N trains every example for at most N epochs (its spec's when fewer). The resumed
# run stops at half of what the full run trained and resumes to the end. An example one of
# the binaries does not accept (`dlc check`; newer than it) is left out. Prints one line per
# example and exits 1 when anything differs or a command fails. Example: build the commits
# before and after a change (or one commit with two settings, e.g. DLC_TARGET_CPU) in two
# build folders and compare their release dlc binaries.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 DLC_A DLC_B [--epochs N] [--keep DIR]" >&2; exit 2; }
[ $# -ge 2 ] || usage
dlc_a=$(realpath "$1"); dlc_b=$(realpath "$2"); shift 2
epochs=""; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) usage ;;
  esac
done
for binary in "$dlc_a" "$dlc_b"; do [ -x "$binary" ] || { echo "error: '$binary' is not an executable" >&2; exit 2; }; done

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# The spec's epochs, at most --epochs but at least twice past a warm-up (so the half run
# before a resume is past it too); and the first data file it names (the input of predict).
spec_epochs() {
  local n warmup
  n=$(sed -n 's/^ *epochs: *\([0-9]*\).*/\1/p' "$1" | head -1)
  warmup=$(grep -o 'warmup_epochs: *[0-9]*' "$1" | grep -o '[0-9]*$' || echo 0)
  if [ -n "$epochs" ] && [ "$epochs" -lt "$n" ]; then n=$epochs; fi
  if [ "$n" -lt $(( 2 * warmup + 2 )) ]; then n=$(( 2 * warmup + 2 )); fi
  echo "$n"
}
spec_data() { grep -o -m1 -E '(csv|x): *[^,} ]+' "$1" | sed -E 's/^(csv|x): *//'; }

# The examples both binaries check: an example newer than one of them (a layer or
# optimizer it does not know yet) is left out, and said so.
examples=()
for spec in specs/*.yaml; do
  if "$dlc_a" check "$spec" > /dev/null 2>&1 && "$dlc_b" check "$spec" > /dev/null 2>&1; then
    examples+=("$(basename "$spec" .yaml)")
  else
    echo "  $(basename "$spec" .yaml): left out, one of the binaries does not accept it" >&2
  fi
done

# Runs one binary over every example in its own folder; a failing command fails the run.
run_all() {
  local dlc=$1 root=$2
  mkdir -p "$root/specs" "$root/out"
  cp specs/*.yaml "$root/specs/"
  ln -sfn "$(pwd)/specs/data" "$root/specs/data"
  for name in "${examples[@]}"; do
    local spec="$root/specs/$name.yaml"
    local n; n=$(spec_epochs "$spec")
    local runs="$root/runs" out="$root/out/$name"
    mkdir -p "$out"
    current="$dlc on $name (output in $out)"
    echo "  $name ($n epochs)" >&2
    "$dlc" train "$spec" --out "$runs" --epochs "$n" --overwrite > "$out/train.txt" 2>&1
    "$dlc" eval "$spec" --checkpoint "$runs/$name/best.safetensors" --json > "$out/eval.json" 2> "$out/eval.err"
    "$dlc" predict "$spec" --checkpoint "$runs/$name/best.safetensors" --input "$root/specs/$(spec_data "$spec")" > "$out/predict.csv" 2> "$out/predict.err"
    "$dlc" latency "$spec" --checkpoint "$runs/$name/best.safetensors" --batch 1 --seconds 0.05 > "$out/latency.txt" 2>&1
    # A run stopped at half the epochs the full run trained (early stopping may end it
    # sooner), then resumed to the end; a run that early stopping already finished cannot
    # resume, and its checkpoints are compared as they are.
    local trained; trained=$(sed -n 's/^trained \([0-9]*\) epoch.*/\1/p' "$out/train.txt")
    if [ "${trained:-0}" -ge 2 ]; then
      "$dlc" train "$spec" --out "$root/resumed" --epochs $(( trained / 2 )) --overwrite > "$out/resume1.txt" 2>&1
      "$dlc" train "$spec" --out "$root/resumed" --epochs "$n" --resume > "$out/resume2.txt" 2>&1 \
        || grep -q "cannot resume: the run is finished" "$out/resume2.txt"
    fi
  done
}

echo "training every example with $dlc_a and with $dlc_b${epochs:+ (at most $epochs epochs each)}"
# Both run in the same folder (checkpoints record the data files' absolute paths), one after
# the other, and the folder is then renamed.
current=""
trap '[ -z "$current" ] || echo "compare-checkpoints: a command failed: $current" >&2' ERR
run_all "$dlc_a" "$work/run"
mv "$work/run" "$work/a"
run_all "$dlc_b" "$work/run"
mv "$work/run" "$work/b"
current=""

status=0
for name in "${examples[@]}"; do
  differ=()
  for file in "$work/a/runs/$name"/*.safetensors $(ls "$work/a/resumed/$name"/*.safetensors 2> /dev/null || true); do
    other="$work/b/${file#"$work/a/"}"
    cmp -s "$file" "$other" || differ+=("${file#"$work/a/"}")
  done
  for output in eval.json predict.csv; do
    cmp -s "$work/a/out/$name/$output" "$work/b/out/$name/$output" || differ+=("$output")
  done
  count=$( (ls "$work/a/runs/$name"/*.safetensors "$work/a/resumed/$name"/*.safetensors 2> /dev/null || true) | wc -l)
  if [ ${#differ[@]} -eq 0 ]; then
    echo "same       $name ($count checkpoints, eval, predict)"
  else
    echo "DIFFERENT  $name: ${differ[*]}"
    status=1
  fi
done
exit $status
