#!/usr/bin/env bash
# Training throughput benchmark: dlc train against PyTorch (CPU, 2 threads) on five models.
#
#   bash bench/run_train_bench.sh
#
# 1. builds dlc in release mode; 2. writes the synthetic data sets (bench/.data/, with
# bench/train/gen_data.py); 3. measures the OpenBLAS sgemm peak (bench/train/sgemm_peak.py);
# 4. runs `dlc train` on each spec in bench/train/specs/ for EPOCHS epochs under GNU time
# and reads samples/s from the last epoch's record of <out>/<name>/log.jsonl; 5. runs
# bench/train/torch_bench.py (default and fused Adam); 6. prints the Markdown table.
# When `dlc train` does not exist yet its cells say so; when torch is not installed
# (bench/setup_venv.sh installs it) its cells say so; the script still succeeds.
#
# Environment:
#   EPOCHS=3              epochs per dlc run (samples/s is over the epochs after the first)
#   DIGITS_EPOCHS=300     epochs of the digits MLP, whose epoch takes under a millisecond
#   MODELS=a,b            a subset of: digits_mlp mnist_mlp mnist_bn_mlp mnist_cnn seq_transformer
#   TORCH_SECONDS=6       timed seconds per PyTorch run; TORCH_REPEATS=2 runs each, best kept
#   SKIP_TORCH=1          do not run the PyTorch side
#   DLC_BIN=path/to/dlc   use this binary instead of building
#   SCRATCH_PATH=dir      swift build --scratch-path (default: swift's own, .build)
#   PYTHON=python         a Python with torch and numpy (default: bench/.venv/bin/python)
#   OUT=dir               where logs and JSON go (default: bench/results/train, gitignored)
#   OPENBLAS_CORETYPE     set to the best kernels for this CPU (SkylakeX with AVX-512F,
#                         Haswell with AVX2) for dlc and the sgemm peak alike, replacing a
#                         value in the environment unless KEEP_CORETYPE=1
#   WAIT_IDLE=120         seconds to wait, before each run, for other work to stop (0: never)
#
# Needs: the Swift toolchain, python3, numpy (in PYTHON or python3) for the data, a C
# compiler and libopenblas-dev for the sgemm peak, GNU time (/usr/bin/time) for dlc's RSS.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
epochs=${EPOCHS:-3}
all_models="digits_mlp,mnist_mlp,mnist_bn_mlp,mnist_cnn,seq_transformer"
models=${MODELS:-$all_models}
out=${OUT:-$root/bench/results/train}
wait_idle=${WAIT_IDLE:-120}

die() {
  echo "run_train_bench: $*" >&2
  exit 1
}
note() { echo "== $*" >&2; }

[[ "$epochs" =~ ^[1-9][0-9]*$ ]] || die "EPOCHS must be a positive integer, not '$epochs'"
command -v python3 > /dev/null || die "python3 is missing"
for m in ${models//,/ }; do
  [[ ",$all_models," == *",$m,"* ]] || die "unknown model '$m' in MODELS (known: $all_models)"
done
mkdir -p "$out"
if [ -z "${OPENBLAS_CORETYPE:-}" ] || [ -z "${KEEP_CORETYPE:-}" ]; then
  best=$(python3 bench/train/sgemm_peak.py --print-coretype)
  if [ -n "$best" ]; then
    [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "$OPENBLAS_CORETYPE" != "$best" ] \
      && note "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE in the environment; using $best (KEEP_CORETYPE=1 keeps it)"
    export OPENBLAS_CORETYPE=$best
  fi
fi

# Python for the data and the PyTorch side.
py=${PYTHON:-$root/bench/.venv/bin/python}
[ -x "$py" ] || py=python3
"$py" -c 'import numpy' 2> /dev/null || die "numpy is missing for $py (run: bash bench/setup_venv.sh)"

# 1. dlc.
if [ -n "${DLC_BIN:-}" ]; then
  dlc=$DLC_BIN
  note "using $dlc"
else
  note "building dlc (release)"
  scratch=()
  [ -n "${SCRATCH_PATH:-}" ] && scratch=(--scratch-path "$SCRATCH_PATH")
  swift build -c release "${scratch[@]}" >&2 || die "swift build -c release failed"
  dlc=$(swift build -c release "${scratch[@]}" --show-bin-path)/dlc
fi
[ -x "$dlc" ] || die "no dlc executable at $dlc"

# 2. Data.
note "synthetic data (bench/.data/)"
"$py" bench/train/gen_data.py >&2 || die "bench/train/gen_data.py failed"

# 3. sgemm peak.
note "OpenBLAS sgemm peak"
[ "$wait_idle" != 0 ] && python3 bench/train/wait_idle.py --timeout "$wait_idle"
sgemm_json=$out/sgemm.json
if python3 bench/train/sgemm_peak.py --coretype "${OPENBLAS_CORETYPE:-auto}" > "$sgemm_json.tmp"; then
  mv "$sgemm_json.tmp" "$sgemm_json"
  cat "$sgemm_json" >&2
else
  rm -f "$sgemm_json.tmp" "$sgemm_json"
  note "sgemm peak not measured (see above); the % column will say n/a"
fi

spec_of() { python3 bench/train/models.py | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }

# 4. dlc train.
dlc_tsv=$out/dlc.tsv
: > "$dlc_tsv"
have_time=0
/usr/bin/time -f '%M %e %U %S' true > /dev/null 2>&1 && have_time=1
[ "$have_time" = 1 ] || note "GNU time (/usr/bin/time) is missing: no dlc RSS (apt-get install time)"
# measure TSV LABEL NAME LOG CMD...: runs CMD under GNU time, reads from LOG the samples/s
# of all epochs after the first (their samples over their seconds) and the first and last
# train loss, appends a row to TSV.
measure() {
  local tsv=$1 m=$2 log=$3
  shift 3
  rm -f "$log"
  [ "$wait_idle" != 0 ] && python3 bench/train/wait_idle.py --timeout "$wait_idle"
  local status=0
  if [ "$have_time" = 1 ]; then
    /usr/bin/time -f '%M %e %U %S' -o "$out/$m.time" "$@" > "$out/$m.stdout" 2> "$out/$m.stderr" || status=$?
  else
    "$@" > "$out/$m.stdout" 2> "$out/$m.stderr" || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    echo "run_train_bench: $* failed (status $status); stderr:" >&2
    tail -n 20 "$out/$m.stderr" >&2
    printf '%s\tfailed (status %s)\n' "$m" "$status" >> "$tsv"
    return
  fi
  local rss=n/a cpu=n/a line rate loss0 loss1 wall user sys
  if [ "$have_time" = 1 ]; then
    read -r rss wall user sys < <(tail -n 1 "$out/$m.time")
    cpu=$(awk -v e="$wall" -v u="$user" -v s="$sys" 'BEGIN { if (e > 0) printf "%.2f", (u + s) / e; else print "n/a" }')
  fi
  if ! line=$(python3 - "$log" << 'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
timed = rows[1:] or rows  # the first epoch warms up
seconds = sum(float(r['seconds']) for r in timed)
samples = sum(float(r['samples_per_s']) * float(r['seconds']) for r in timed)
print(f"{samples / seconds}\t{float(rows[0]['train_loss'])}\t{float(rows[-1]['train_loss'])}")
PY
  ); then
    echo "run_train_bench: cannot read samples_per_s and train_loss from $log" >&2
    printf '%s\tno log\n' "$m" >> "$tsv"
    return
  fi
  IFS=$'\t' read -r rate loss0 loss1 <<< "$line"
  printf '%s\tok\t%s\t%s\t%s\t%s\t%s\n' "$m" "$rate" "$rss" "$loss0" "$loss1" "$cpu" >> "$tsv"
}

# `dlc train --help` prints the top-level help (status 0) while there is no train command.
emitted_tsv=$out/emitted.tsv
: > "$emitted_tsv"
if "$dlc" train --help 2>&1 | grep -q 'USAGE: dlc train'; then
  for m in ${models//,/ }; do
    spec=$(spec_of "$m")
    name=$(awk '/^name:/ { print $2; exit }' "$spec")
    # An epoch of the digits MLP (1797 rows) takes under a millisecond: time many.
    model_epochs=$epochs
    [ "$m" = digits_mlp ] && model_epochs=${DIGITS_EPOCHS:-300}
    note "dlc train $spec --epochs $model_epochs"
    measure "$dlc_tsv" "$m" "$out/dlc/$name/log.jsonl" "$dlc" train "$spec" --epochs "$model_epochs" --seed 0 --out "$out/dlc" --overwrite
    # 4b. The emitted trainer of the same spec, built in release in its own folder.
    package=$out/packages/$m
    rm -rf "$package"
    note "dlc compile $spec -o $package; swift build -c release"
    if "$dlc" compile "$spec" -o "$package" > /dev/null \
      && swift build -c release --package-path "$package" --scratch-path "$package/.build" > "$out/$m.build.log" 2>&1; then
      measure "$emitted_tsv" "$m" "$out/emitted/$name/log.jsonl" \
        "$package/.build/release/${name//_/-}" train --epochs "$model_epochs" --seed 0 --out "$out/emitted" --overwrite
    else
      tail -n 20 "$out/$m.build.log" >&2
      printf '%s\tbuild failed\n' "$m" >> "$emitted_tsv"
    fi
  done
else
  note "dlc train not available in $dlc: its cells say so"
  for m in ${models//,/ }; do printf '%s\tdlc train not available\n' "$m" >> "$dlc_tsv"; done
fi

# 5. PyTorch.
torch_json=$out/torch.json
rm -f "$torch_json"
torch_note="torch not run"
if [ -n "${SKIP_TORCH:-}" ]; then
  note "SKIP_TORCH is set: no PyTorch runs"
  torch_note="skipped"
elif "$py" -c 'import torch' 2> /dev/null; then
  note "PyTorch ($py)"
  "$py" bench/train/torch_bench.py --models "$models" --seconds "${TORCH_SECONDS:-6}" \
    --repeats "${TORCH_REPEATS:-2}" --wait-idle "$wait_idle" --out "$torch_json" > /dev/null \
    || die "bench/train/torch_bench.py failed"
else
  note "torch is not installed for $py: skipping the PyTorch side (bash bench/setup_venv.sh installs it)"
  torch_note="torch not installed"
fi

# 6. Report.
commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
git diff --quiet HEAD -- Sources Package.swift 2> /dev/null || commit="$commit (with uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
echo
echo "Training throughput; dlc $commit, $epochs epochs (digits MLP: ${DIGITS_EPOCHS:-300}), samples/s over the epochs after the first; ${cpu:-unknown CPU}, $(nproc 2> /dev/null || echo '?') cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}."
echo
python3 bench/train/report.py --dlc "$dlc_tsv" --emitted "$emitted_tsv" --torch "$torch_json" --torch-note "$torch_note" \
  --sgemm "$sgemm_json" --models "$models"
