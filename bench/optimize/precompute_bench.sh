#!/usr/bin/env bash
# precompute_frozen: per-epoch training time of a transfer model whose frozen encoder
# (784→1024→1024) holds 99.5% of the FLOPs, with and without the pass, the one-time cost
# of the precomputation, and how far the final weights of the two runs are apart.
#
#   bench/optimize/precompute_bench.sh [DLC] [WORK]
#
# DLC: a release build of dlc (default .build/release/dlc); WORK: a scratch folder
# (default /tmp/dlc-precompute-bench). Needs bench/.data (python3 bench/train/gen_data.py)
# and python3 for reading the logs and checkpoints. The base model is trained once (1 epoch)
# and reused when present. EPOCHS (default 5) sets the transfer runs' length.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dlc=${1:-$root/.build/release/dlc}
work=${2:-/tmp/dlc-precompute-bench}
epochs=${EPOCHS:-5}
mkdir -p "$work/specs"
[ -f "$root/bench/.data/mnist_x.npy" ] || python3 "$root/bench/train/gen_data.py"

# The specs with the data path made absolute; the transfer spec once with, once without the pass.
for s in precompute_base precompute_transfer; do
  sed "s#\.data/#$root/bench/.data/#g" "$root/bench/optimize/specs/$s.yaml" > "$work/specs/$s.yaml"
done
sed -e '/^optimize:/d' -e 's/^name: precompute_transfer/name: precompute_plain/' \
  "$work/specs/precompute_transfer.yaml" > "$work/specs/precompute_plain.yaml"

cd "$work"
[ -f runs/precompute_base/last.safetensors ] || "$dlc" train specs/precompute_base.yaml --out runs > base.log
rm -rf runs/precompute_transfer runs/precompute_plain runs/cache
"$dlc" train specs/precompute_transfer.yaml --out runs --epochs "$epochs" > with.log
"$dlc" train specs/precompute_plain.yaml --out runs --epochs "$epochs" > without.log
# A second run with the disk cache, to time reading it back.
sed -e 's/^optimize: \[precompute_frozen\]/optimize: [{precompute_frozen: {cache: disk}}]/' \
  -e 's/^name: precompute_transfer/name: precompute_disk/' specs/precompute_transfer.yaml > specs/precompute_disk.yaml
"$dlc" train specs/precompute_disk.yaml --out runs --epochs 1 --overwrite > disk1.log
"$dlc" train specs/precompute_disk.yaml --out runs --epochs 1 --overwrite > disk2.log

python3 - "$work" <<'PY'
import array, json, struct, sys
work = sys.argv[1]
def epochs(run):
    return [json.loads(l)["seconds"] for l in open(f"{work}/runs/{run}/log.jsonl")]
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n]); data = b[8 + n:]
    return {k: array.array("f", data[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in h.items() if k != "__metadata__" and v["dtype"] == "F32"}
def precompute_line(log):
    return next((l.strip() for l in open(f"{work}/{log}") if l.startswith("precomputed")), "")
w, wo = epochs("precompute_transfer"), epochs("precompute_plain")
# The first epoch of each run includes program compilation; the median of the rest is the steady state.
steady = lambda s: sorted(s[1:])[len(s[1:]) // 2] if len(s) > 1 else s[0]
print(f"epochs: {len(w)}; per-epoch seconds (train + valid evaluation)")
print(f"  without the pass: " + " ".join(f"{s:.3f}" for s in wo))
print(f"  with the pass:    " + " ".join(f"{s:.3f}" for s in w))
print(f"  median after the first epoch: {steady(wo):.3f} s without, {steady(w):.3f} s with: {steady(wo) / steady(w):.1f}x faster")
print(f"  once per run with the pass: {precompute_line('with.log')}")
print(f"  disk cache, first run:  {precompute_line('disk1.log')}")
print(f"  disk cache, second run: {precompute_line('disk2.log')}")
a, b = tensors(f"{work}/runs/precompute_transfer/last.safetensors"), tensors(f"{work}/runs/precompute_plain/last.safetensors")
same = [k for k in a if a[k] == b[k]]
print(f"final weights: {len(same)}/{len(a)} tensors bit-identical")
for k in sorted(set(a) - set(same)):
    d = max(abs(x - y) for x, y in zip(a[k], b[k])); m = max(abs(x) for x in a[k]) or 1.0
    print(f"  {k}: max |difference| {d:.3g}, {d / m:.2g} of its largest magnitude")
PY
