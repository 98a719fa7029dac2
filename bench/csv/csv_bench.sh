#!/usr/bin/env bash
# Benchmark of CSV loading: how many MB/s dlc reads a numeric CSV at.
#
#   bash bench/csv/csv_bench.sh
#
# Builds dlc and csv-load-bench (bench/csv/LoadCSV) in release mode and writes a numeric
# CSV of ROWS rows (20 features and a target, about 180 bytes a row) and the same values
# as NPY with bench/csv/gen_csv.py. Then:
#   1. the loader alone: csv-load-bench runs `DataLoader.load` on the CSV RUNS times
#      (reading the file and parsing every cell into Float32) and reports the median
#      wall and CPU time of a load with the MB/s of each;
#   2. end to end: `dlc train` for one epoch of a one-layer regression model on the CSV
#      and on the NPY, RUNS times each under GNU time (medians).
# It prints two Markdown tables.
#
# Environment:
#   RUNS=5          runs per measurement (the median is reported)
#   ROWS=400000     rows of the generated CSV (400,000 rows ≈ 73 MB)
#   BIN_DIR=path    use dlc and csv-load-bench from this folder instead of building them
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

if [ -n "${BIN_DIR:-}" ]; then
  bin=$BIN_DIR
else
  swift build -c release --product dlc > /dev/null || die "the release build of dlc failed"
  swift build -c release --product csv-load-bench > /dev/null || die "the release build of csv-load-bench failed"
  bin=$root/.build/release
fi
dlc=$bin/dlc
[ -x "$dlc" ] || die "no dlc binary at '$dlc'"
[ -x "$bin/csv-load-bench" ] || die "no csv-load-bench binary in '$bin'"

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
  normalize: standardize
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

read -r bytes loaded seconds mbs cpu cpumbs < <("$bin/csv-load-bench" "$work/data.csv" y "$runs") || die "csv-load-bench failed"
echo "| CSV bytes | rows | load, wall (s) | MB/s (wall) | load, CPU (s) | MB/s (CPU) |"
echo "|---:|---:|---:|---:|---:|---:|"
echo "| $bytes | $loaded | $seconds | $mbs | $cpu | $cpumbs |"
echo

csv=$(time_runs csv)
npy=$(time_runs npy)
echo "| \`dlc train\`, 1 epoch | on the CSV (s) | on the NPY (s) |"
echo "|---|---:|---:|"
echo "| $rows rows × 20 features | $csv | $npy |"
