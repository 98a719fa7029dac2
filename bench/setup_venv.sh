#!/usr/bin/env bash
# Creates bench/.venv with the PyTorch CPU build, numpy, and onnx with onnxruntime, for the
# training and optimization benchmarks.
#
#   bash bench/setup_venv.sh
#
# Idempotent: when the venv exists and already imports the pinned torch and numpy, it
# returns at once. Environment: PYTHON (default python3), TORCH_SPEC (default
# "torch==2.13.0+cpu" — the CPU-only build; a plain `pip install torch` pulls the much
# larger CUDA build).
set -euo pipefail

cd "$(dirname "$0")"
venv=$(pwd)/.venv
python=${PYTHON:-python3}
torch_spec=${TORCH_SPEC:-"torch==2.13.0+cpu"}
torch_version=${torch_spec#torch==}
ort_spec=${ORT_SPEC:-"onnxruntime==1.32.0"}
onnx_spec=${ONNX_SPEC:-"onnx==1.23.2"}

check() {
  "$venv/bin/python" - "$torch_version" <<'PY' 2> /dev/null
import sys
import numpy  # noqa: F401
import onnx  # noqa: F401
import onnxruntime  # noqa: F401
import torch
sys.exit(0 if torch.__version__ == sys.argv[1] else 1)
PY
}

if [ -x "$venv/bin/python" ] && check; then
  echo "bench/.venv is ready ($torch_spec, numpy, onnx, onnxruntime)" >&2
  exit 0
fi

command -v "$python" > /dev/null || { echo "setup_venv: $python is missing" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  echo "creating bench/.venv…" >&2
  "$python" -m venv "$venv"
fi
echo "installing $torch_spec, numpy, $onnx_spec and $ort_spec…" >&2
"$venv/bin/python" -m pip install --quiet "$torch_spec" numpy "$onnx_spec" "$ort_spec"
check || { echo "setup_venv: $torch_spec, numpy, onnx or onnxruntime does not import in bench/.venv" >&2; exit 1; }
echo "bench/.venv is ready ($torch_spec, numpy, $onnx_spec, $ort_spec)" >&2
