#!/usr/bin/env bash
# Pruning on digits_mlp: test accuracy against sparsity (unstructured, global, polynomial
# schedule, fine-tuned), and structured neuron pruning's accuracy, size and forward-pass
# time against the original model (fp32, interpreter, batch 1 and 256).
#
#   bench/optimize/prune_bench.sh [DLC] [WORK]
#
# DLC: a release build of dlc (default .build/release/dlc); WORK: a scratch folder
# (default /tmp/dlc-prune-bench). Trains digits_mlp fully once (reused when present).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dlc=${1:-$root/.build/release/dlc}
work=${2:-/tmp/dlc-prune-bench}
epochs=${FINETUNE_EPOCHS:-5}
mkdir -p "$work/specs"
cd "$root"

# A copy of digits_mlp with an optimize list, data read from the repository.
spec() {  # name, batch size, optimize entry
  sed -e "s#data/digits.csv#$root/specs/data/digits.csv#" -e "s/batch_size: 64/batch_size: $2/" -e "/^optimize:/d" specs/digits_mlp.yaml > "$work/specs/$1.yaml"
  printf '\noptimize:\n  - prune: %s\n' "$3" >> "$work/specs/$1.yaml"
}

spec base 64 "{sparsity: 0.5}"
best=$work/runs/digits_mlp/best.safetensors
[ -f "$best" ] || "$dlc" train "$work/specs/base.yaml" --out "$work/runs" > "$work/train.log"
accuracy() { "$dlc" eval "$work/specs/base.yaml" --checkpoint "$1" --split test | awk '/test_accuracy/ {printf "%.2f", 100 * $2}'; }
base=$(accuracy "$best")

echo "digits_mlp, test split (270 samples); fine-tuning: $epochs epochs at lr/10 (constant)"
echo
echo "| pruning | sparsity | test accuracy % | drop (points) |"
echo "|---|---|---|---|"
echo "| none | 0% | $base | 0.00 |"
for scope in global layer; do
  for s in 0.5 0.75 0.9; do
    spec "u-$scope-$s" 64 "{sparsity: $s, scope: $scope, schedule: polynomial, finetune_epochs: $epochs}"
    "$dlc" optimize "$work/specs/u-$scope-$s.yaml" --checkpoint "$best" --output "$work/u-$scope-$s.safetensors" > "$work/u-$scope-$s.log"
    a=$(accuracy "$work/u-$scope-$s.safetensors")
    echo "| unstructured, $scope, $epochs epochs | $(awk "BEGIN {print 100 * $s}")% | $a | $(awk "BEGIN {printf \"%.2f\", $base - $a}") |"
  done
done
for e in $epochs $((2 * epochs)); do
  spec "n50-$e" 64 "{sparsity: 0.5, structure: neuron, finetune_epochs: $e}"
  "$dlc" optimize "$work/specs/n50-$e.yaml" --checkpoint "$best" --output "$work/n50-$e.safetensors" > "$work/n50.log"
  a=$(accuracy "$work/n50-$e.safetensors")
  echo "| structured, neuron, $e epochs | 50% | $a | $(awk "BEGIN {printf \"%.2f\", $base - $a}") |"
done
echo
grep -E "params|model bytes|FLOPs" "$work/n50.log" | sed 's/^ */structured: /'

# Timing: the same shapes at batch_size 256 (weights do not change speed), so batch 256
# can be planned: the original checkpoint, and the same model neuron-pruned without fine-tuning.
spec t256 256 "{sparsity: 0.5, structure: neuron}"
"$dlc" optimize "$work/specs/t256.yaml" --checkpoint "$best" --output "$work/t256.safetensors" > /dev/null
echo
echo "forward pass (interpreter, fp32), median of ${SECONDS_PER_BATCH:-3} s per batch size:"
for model in original pruned; do
  ckpt=$best; [ $model = pruned ] && ckpt=$work/t256.safetensors
  "$dlc" latency "$work/specs/t256.yaml" --checkpoint "$ckpt" --batch 1,256 --seconds "${SECONDS_PER_BATCH:-3}" | sed "s/^/$model  /" | tee "$work/latency-$model.txt"
done
for b in 1 256; do
  o=$(awk -v b=$b '$3 == b {print $5}' "$work/latency-original.txt")
  p=$(awk -v b=$b '$3 == b {print $5}' "$work/latency-pruned.txt")
  echo "batch $b: speedup $(awk "BEGIN {printf \"%.2f\", $o / $p}")×"
done
