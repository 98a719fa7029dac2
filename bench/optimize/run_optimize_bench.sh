#!/usr/bin/env bash
# Optimization benchmark: fold-batchnorm, quantize, prune and precompute-frozen, with
# onnxruntime beside dlc, in one run.
#
#   bash bench/setup_venv.sh                  # once: torch, numpy, onnx, onnxruntime
#   bash bench/optimize/run_optimize_bench.sh
#
# Builds dlc in release mode, writes the synthetic data sets (bench/.data/), then runs
# bench/optimize/run_optimize_bench.py (folding, quantization, onnxruntime) and the
# pruning and precomputation scripts of this folder; each prints Markdown tables.
#
# Environment:
#   DLC_BIN=path/to/dlc   use this binary instead of building
#   SCRATCH_PATH=dir      swift build --scratch-path
#   PYTHON=python         a Python with numpy, torch, onnx and onnxruntime (default: bench/.venv/bin/python)
#   OUT=dir               where runs and results go (default: bench/results/optimize, gitignored)
#   SECONDS_PER=2         timing seconds per latency measurement
#   WAIT_IDLE=120         seconds to wait for an idle machine first (0: never)
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
out=${OUT:-$root/bench/results/optimize}
die() { echo "run_optimize_bench: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

py=${PYTHON:-$root/bench/.venv/bin/python}
[ -x "$py" ] || die "no Python at $py (run: bash bench/setup_venv.sh)"
"$py" -c 'import numpy, torch, onnx, onnxruntime' 2> /dev/null || die "$py lacks numpy, torch, onnx or onnxruntime (run: bash bench/setup_venv.sh)"
best=$(python3 bench/train/sgemm_peak.py --print-coretype 2> /dev/null || true)
[ -n "$best" ] && export OPENBLAS_CORETYPE=$best

if [ -n "${DLC_BIN:-}" ]; then
  dlc=$DLC_BIN
else
  note "building dlc (release)"
  scratch=()
  [ -n "${SCRATCH_PATH:-}" ] && scratch=(--scratch-path "$SCRATCH_PATH")
  swift build -c release "${scratch[@]}" --product dlc >&2 || die "swift build -c release failed"
  dlc=$(swift build -c release "${scratch[@]}" --show-bin-path)/dlc
fi
[ -x "$dlc" ] || die "no dlc executable at $dlc"

note "synthetic data (bench/.data/)"
"$py" bench/train/gen_data.py >&2
mkdir -p "$out"
if [ "${WAIT_IDLE:-120}" != 0 ]; then
  python3 bench/train/wait_idle.py --timeout "${WAIT_IDLE:-120}" >&2 || true
fi

note "folding, quantization, onnxruntime"
"$py" bench/optimize/run_optimize_bench.py --dlc "$dlc" --python "$py" --out "$out" --seconds "${SECONDS_PER:-2}"
for part in prune precompute; do
  script=bench/optimize/${part}_bench.sh
  if [ -f "$script" ]; then
    note "$part"
    bash "$script" "$dlc" "$out/$part"
  fi
done
