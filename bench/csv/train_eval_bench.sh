#!/usr/bin/env bash
# `dlc train` and `dlc eval` on a 300,000-row CSV, for one or more dlc binaries side by side
# (e.g. before and after a change; bench/README.md has the results).
#
#   bash bench/csv/train_eval_bench.sh DLC [DLC...]
#
# Writes a numeric CSV of ROWS rows (20 features, a regression target; bench/csv/gen_csv.py)
# and a spec training a small MLP on it (dense 32, relu, dense 1; Adam, batch 256, EPOCHS
# epochs; 10% validation and 10% test split), then for each binary the median wall time of
# RUNS runs of `dlc train` and of `dlc eval --split test` on the last checkpoint. Prints a
# Markdown table.
#
# Environment: ROWS=300000, EPOCHS=2, RUNS=3. Needs python3 and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${ROWS:-300000}
epochs=${EPOCHS:-2}
runs=${RUNS:-3}
[ $# -ge 1 ] || { echo "usage: $0 DLC [DLC...]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "train_eval_bench: GNU time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/csv/gen_csv.py "$work" "$rows"
cat > "$work/mlp.yaml" <<SPEC
dlc: 1
name: csv_mlp
seed: 1
data:
  source: {csv: data.csv, target: y}
  task: regression
  split: {valid: 0.1, test: 0.1}
  normalize: standardize
model:
  input: [20]
  layers:
    - dense: 32
    - relu
    - dense: 1
loss: mse
train: {optimizer: adam, batch_size: 256, epochs: $epochs}
SPEC

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# $1: dlc; $2...: the command's arguments. The median wall time of RUNS runs.
timed() {
  local dlc=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e' -o "$work/time" "$dlc" "$@" > /dev/null 2> "$work/stderr" \
      || { cat "$work/stderr" >&2; echo "train_eval_bench: '$dlc $*' failed" >&2; exit 1; }
    cat "$work/time"
  done | median
}

echo "| dlc | \`dlc train\`, $epochs epochs (s) | \`dlc eval --split test\` (s) |"
echo "|---|---:|---:|"
for dlc in "$@"; do
  train=$(timed "$dlc" train "$work/mlp.yaml" --out "$work/runs" --overwrite)
  eval=$(timed "$dlc" eval "$work/mlp.yaml" --checkpoint "$work/runs/csv_mlp/last.safetensors" --split test)
  echo "| $dlc | $train | $eval |"
done
