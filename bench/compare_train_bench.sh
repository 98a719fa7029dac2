#!/usr/bin/env bash
# Training throughput of two builds of dlc side by side, in one run: for each model, the
# "before" build and then the "after" build (dlc train and the emitted trainer), so both
# see the same machine state; then one table of samples/s with the after/before ratio.
#
#   bash bench/compare_train_bench.sh BEFORE AFTER
#
# BEFORE and AFTER are each a dlc executable or a git revision; a revision is checked out
# into bench/results/compare/rev-<sha> and built in release there (once; kept for reruns).
# Runs bench/run_train_bench.sh once per model and build (DLC_BIN, MODELS, SKIP_TORCH=1),
# so its environment applies: EPOCHS, DIGITS_EPOCHS, WAIT_IDLE, OPENBLAS_CORETYPE. Each
# pair is run ROUNDS times (default 1; each run builds two emitted packages) in the order
# before, after, after, before, …, and the best samples/s of each build is kept, which
# evens out drift in the machine's speed.
# Results: bench/results/compare/<build>/<model>-<round>/ and the table on stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/bench/results/compare
rounds=${ROUNDS:-1}
all_models="digits_mlp,mnist_mlp,mnist_bn_mlp,mnist_cnn,seq_transformer"
models=${MODELS:-$all_models}

die() {
  echo "compare_train_bench: $*" >&2
  exit 1
}
note() { echo "== $*" >&2; }

[ $# -eq 2 ] || die "usage: bash bench/compare_train_bench.sh BEFORE AFTER (each a dlc executable or a git revision)"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$rounds'"
mkdir -p "$out"

# executable SPEC: the dlc executable SPEC names, building a revision when it is one.
executable() {
  local spec=$1
  if [ -x "$spec" ] && [ -f "$spec" ]; then
    (cd "$(dirname "$spec")" && echo "$(pwd)/$(basename "$spec")")
    return
  fi
  local sha
  sha=$(git rev-parse --verify --quiet "$spec^{commit}") || die "'$spec' is neither a dlc executable nor a git revision"
  local tree=$out/rev-${sha:0:12}
  if [ ! -x "$tree/.build/release/dlc" ]; then
    note "building $spec ($sha) in $tree"
    rm -rf "$tree"
    mkdir -p "$tree"
    git archive "$sha" | tar -x -C "$tree"
    swift build -c release --package-path "$tree" --product dlc >&2 || die "swift build of $spec failed"
  fi
  echo "$tree/.build/release/dlc"
}

before=$(executable "$1")
after=$(executable "$2")
note "before: $before"
note "after:  $after"

# run BUILD MODEL ROUND: one run_train_bench.sh run of MODEL with BUILD's executable.
run() {
  local build=$1 model=$2 round=$3 dlc
  [ "$build" = before ] && dlc=$before || dlc=$after
  local dir=$out/$build/$model-$round
  rm -rf "$dir"
  mkdir -p "$dir"
  note "$build, $model, round $round"
  DLC_BIN=$dlc MODELS=$model SKIP_TORCH=1 OUT=$dir bash bench/run_train_bench.sh > "$dir/report.md" 2> "$dir/stderr.log" \
    || { tail -n 20 "$dir/stderr.log" >&2; die "run_train_bench.sh failed for $build, $model"; }
}

for model in ${models//,/ }; do
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
      run before "$model" "$round"
      run after "$model" "$round"
    else
      run after "$model" "$round"
      run before "$model" "$round"
    fi
  done
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
echo
echo "Training throughput, before → after (best of $rounds runs each, samples/s over the epochs after the first; ${cpu:-unknown CPU}, $(nproc) cores)."
echo "before: $1; after: $2"
echo
python3 - "$out" "$models" "$rounds" << 'PY'
import os, sys
out, models, rounds = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])

def best(build, model, table):
    rates = []
    for r in range(1, rounds + 1):
        path = os.path.join(out, build, f"{model}-{r}", table)
        if not os.path.exists(path):
            continue
        for line in open(path):
            parts = line.rstrip("\n").split("\t")
            if len(parts) > 2 and parts[0] == model and parts[1] == "ok":
                rates.append(float(parts[2]))
    return max(rates) if rates else None

def cells(b, a):
    if b is None or a is None:
        return [f"{b:,.0f}" if b else "n/a", f"{a:,.0f}" if a else "n/a", "n/a"]
    return [f"{b:,.0f}", f"{a:,.0f}", f"{a / b:.2f}×"]

print("| model | dlc before | dlc after | after/before | emitted before | emitted after | after/before |")
print("|---|---:|---:|---:|---:|---:|---:|")
for m in models:
    row = [m] + cells(best("before", m, "dlc.tsv"), best("after", m, "dlc.tsv"))
    row += cells(best("before", m, "emitted.tsv"), best("after", m, "emitted.tsv"))
    print("| " + " | ".join(row) + " |")
PY
