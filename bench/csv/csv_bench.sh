#!/usr/bin/env bash
# Benchmark of CSV loading: how many MB/s `dlc train` reads a numeric CSV at.
#
#   bash bench/csv/csv_bench.sh
#
# Builds dlc in release mode, writes a numeric CSV of ROWS rows (20 features and a target,
# about 200 bytes a row) and the same values as NPY with bench/csv/gen_csv.py, then times
# `dlc train` for one epoch of a one-layer regression model on each, RUNS times, under GNU
# time. Both runs do the same work except parsing (NPY loading is a copy), so the
# difference of the medians is the CSV parsing time; the script prints a Markdown table
# with both medians and the CSV's MB/s (10^6 bytes per second of that difference).
#
# Environment:
#   RUNS=5          runs per format (the median is reported)
#   ROWS=400000     rows of the generated CSV (400,000 rows ≈ 73 MB)
#   DLC_BIN=path    time this dlc binary instead of building .build/release/dlc
#
# Needs: the Swift toolchain, python3 (standard library only), GNU time (/usr/bin/time).
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${RUNS:-5}
rows=${ROWS:-400000}

die() {
  echo "csv_bench: $*" >&2
  exit 1
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
[[ "$rows" =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer, not '$rows'"
[ -x /usr/bin/time ] || die "GNU time is missing (/usr/bin/time); install it with 'apt-get install time'"
command -v python3 > /dev/null || die "python3 is missing (bench/csv/gen_csv.py needs it)"

if [ -n "${DLC_BIN:-}" ]; then
  dlc=$DLC_BIN
else
  swift build -c release --product dlc > /dev/null || die "the release build failed"
  dlc=$root/.build/release/dlc
fi
[ -x "$dlc" ] || die "no dlc binary at '$dlc'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/csv/gen_csv.py "$work" "$rows"

spec() {  # $1: name, $2: the data source
  cat > "$work/$1.yaml" <<SPEC
dlc: 1
name: $1
data:
  source: $2
  task: regression
  split: {valid: 0.0, test: 0.0}
  normalize: none
model:
  input: [20]
  layers:
    - dense: 1
loss: mse
train: {optimizer: sgd, batch_size: 4096, epochs: 1}
SPEC
}
spec csv "{csv: data.csv, target: y}"
spec npy "{npy: {x: x.npy, y: y.npy}}"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

time_runs() {  # $1: spec name; prints the median wall time in seconds
  for _ in $(seq "$runs"); do
    rm -rf "$work/runs"
    /usr/bin/time -f '%e' -o "$work/time" "$dlc" train "$work/$1.yaml" --out "$work/runs" > /dev/null 2> "$work/stderr" \
      || { cat "$work/stderr" >&2; die "dlc train $1 failed"; }
    cat "$work/time"
  done | median
}

bytes=$(stat -c %s "$work/data.csv")
csv=$(time_runs csv)
npy=$(time_runs npy)
echo "| CSV bytes | rows | train on CSV (s) | train on NPY (s) | CSV parsing (s) | MB/s |"
echo "|---:|---:|---:|---:|---:|---:|"
awk -v b="$bytes" -v r="$rows" -v c="$csv" -v n="$npy" 'BEGIN {
  d = c - n
  mbs = d > 0 ? sprintf("%.0f", b / d / 1e6) : "n/a"
  printf "| %d | %d | %.2f | %.2f | %.2f | %s |\n", b, r, c, n, d, mbs
}'
