#!/usr/bin/env python3
"""The optimization benchmark: what each pass does to size, accuracy and inference time,
beside onnxruntime, in one run. Called by run_optimize_bench.sh (which builds dlc).

    python bench/optimize/run_optimize_bench.py --dlc PATH [--out DIR] [--seconds 2]

Sections (each prints a Markdown table; all numbers also go to OUT/results.json):
  1. fold-batchnorm on the 784-512-BN-ReLU-dropout-10 MLP: latency at batch 1 and 256 of
     the model before and after folding, and onnxruntime's on the same architecture.
  2. quantize on the digits MLP and the digits CNN (the examples, trained in full):
     model bytes and test accuracy fp32 → int8 (min-max and 99.9th-percentile calibration,
     and dynamic), and latency at batch 1 and 64.
  3. int8 784-512-512-10 at batch 1 and 256: fp32, static int8 and dynamic int8 against
     onnxruntime's dynamic int8.
Pruning and precomputation have their own scripts in this folder; run_optimize_bench.sh
runs them after this one.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def run(cmd, **kw):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def latency(dlc, spec, checkpoint, batches, seconds):
    out = run([dlc, "latency", spec, "--checkpoint", checkpoint, "--batch", batches, "--seconds", str(seconds)])
    rows = {}
    for m in re.finditer(r"batch\s+(\d+)\s+median\s+([\d.]+) µs", out):
        rows[int(m.group(1))] = float(m.group(2))
    return rows


def optimize(dlc, spec, checkpoint, output, passes=None):
    cmd = [dlc, "optimize", spec, "--checkpoint", checkpoint, "-o", output]
    if passes:
        cmd += ["--passes", passes]
    out = run(cmd)
    report = {"text": out}
    m = re.search(r"model bytes\s+([\d.]+ \w+) → ([\d.]+ \w+) \(([\d.]+)%\)", out)
    if m:
        report["bytes_before"], report["bytes_after"], report["bytes_pct"] = m.group(1), m.group(2), float(m.group(3))
    m = re.search(r"accuracy\s+([\d.]+) → ([\d.]+)", out)
    if m:
        report["acc_before"], report["acc_after"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"loss\s+([\d.]+) → ([\d.]+)", out)
    if m:
        report["loss_before"], report["loss_after"] = float(m.group(1)), float(m.group(2))
    return report


def train(dlc, spec, out, epochs=None):
    cmd = [dlc, "train", spec, "--out", out]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    run(cmd)


def ort(py, model, batches, seconds):
    p = subprocess.run([py, os.path.join(HERE, "ort_bench.py"), "--model", model, "--batches", batches, "--seconds", str(seconds)],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        return {}
    return {json.loads(l)["batch"]: json.loads(l)["median_us"] for l in p.stdout.splitlines() if l.startswith("{")}


def us(v):
    return f"{v:,.1f} µs" if v is not None else "—"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dlc", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "optimize"))
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    runs = os.path.join(args.out, "runs")
    dlc, results = args.dlc, {}

    # 1. fold-batchnorm.
    spec = "bench/optimize/specs/fold_bn_mlp.yaml"
    train(dlc, spec, runs, epochs=1)
    base = os.path.join(runs, "bench_fold_bn_mlp")
    folded = optimize(dlc, spec, base + "/last.safetensors", base + "/folded.safetensors", "fold-batchnorm")
    before = latency(dlc, spec, base + "/last.safetensors", "1,256", args.seconds)
    after = latency(dlc, spec, base + "/folded.safetensors", "1,256", args.seconds)
    onnx = ort(args.python, "fold_bn_mlp", "1,256", args.seconds)
    results["fold"] = {"before": before, "after": after, "onnxruntime": onnx, "loss": [folded.get("loss_before"), folded.get("loss_after")]}
    print("### fold-batchnorm: 784 → 512 → BN → ReLU → dropout → 10\n")
    print("| batch | dlc, unfolded | dlc, folded | onnxruntime | folded / onnxruntime | target |")
    print("|---|---|---|---|---|---|")
    for b in (1, 256):
        ratio = after[b] / onnx[b] if b in onnx else None
        print(f"| {b} | {us(before.get(b))} | {us(after.get(b))} | {us(onnx.get(b))} | "
              f"{f'{ratio:.2f}×' if ratio else '—'} | ≤ 0.80× |")
    print(f"\ntest loss unfolded {folded.get('loss_before')}, folded {folded.get('loss_after')}\n")

    # 2. quantize on the examples.
    print("### quantize: the digits examples (trained in full, test split of 270 samples)\n")
    print("| model | calibration | model bytes | int8 / fp32 | test accuracy fp32 → int8 | batch 1 fp32 → int8 | batch 64 fp32 → int8 |")
    print("|---|---|---|---|---|---|---|")
    results["quantize"] = {}
    for example in ("digits_mlp", "digits_cnn"):
        spec = f"specs/{example}.yaml"
        train(dlc, spec, runs)
        ckpt = os.path.join(runs, example, "best.safetensors")
        fp32 = latency(dlc, spec, ckpt, "1,64", args.seconds)
        for label, opts in (("min-max", "{quantize: {calibration: minmax}}"),
                            ("99.9th percentile", "{quantize: {calibration: percentile, percentile: 99.9}}"),
                            ("dynamic", "{quantize: {activations: dynamic}}")):
            variant = os.path.join(runs, f"{example}.{label.split()[0]}.yaml")
            with open(os.path.join(ROOT, spec)) as f:
                text = f.read()
            text = re.sub(r"(\.\./)?data/", os.path.join(ROOT, "specs", "data") + "/", text)
            text = re.sub(r"(?m)^optimize:.*\n", "", text)  # the example's own list, replaced below
            with open(variant, "w") as f:
                f.write(text + f"\noptimize: [{opts}]\n")
            q = optimize(dlc, variant, ckpt, ckpt.replace("best", "q-" + label.split()[0]))
            lat = latency(dlc, variant, ckpt.replace("best", "q-" + label.split()[0]), "1,64", args.seconds)
            results["quantize"][f"{example}/{label}"] = {**{k: v for k, v in q.items() if k != "text"}, "fp32": fp32, "int8": lat}
            print(f"| {example} | {label} | {q.get('bytes_before')} → {q.get('bytes_after')} | {q.get('bytes_pct')}% | "
                  f"{100 * q.get('acc_before', 0):.2f}% → {100 * q.get('acc_after', 0):.2f}% | "
                  f"{us(fp32.get(1))} → {us(lat.get(1))} | {us(fp32.get(64))} → {us(lat.get(64))} |")

    # 3. int8 MLP against onnxruntime.
    spec = "bench/optimize/specs/int8_mlp.yaml"
    train(dlc, spec, runs, epochs=1)
    base = os.path.join(runs, "bench_int8_mlp")
    static = optimize(dlc, spec, base + "/last.safetensors", base + "/static.safetensors")
    dyn_spec = os.path.join(runs, "int8_mlp_dynamic.yaml")
    with open(os.path.join(ROOT, spec)) as f:
        text = f.read().replace("../../.data/", os.path.join(ROOT, "bench", ".data") + "/")
    with open(dyn_spec, "w") as f:
        f.write(text.replace("activations: int8, calibration_batches: 8", "activations: dynamic"))
    dynamic = optimize(dlc, dyn_spec, base + "/last.safetensors", base + "/dynamic.safetensors")
    fp32 = latency(dlc, spec, base + "/last.safetensors", "1,256", args.seconds)
    st = latency(dlc, spec, base + "/static.safetensors", "1,256", args.seconds)
    dy = latency(dlc, dyn_spec, base + "/dynamic.safetensors", "1,256", args.seconds)
    onnx = ort(args.python, "int8_mlp", "1,256", args.seconds)
    results["int8_mlp"] = {"fp32": fp32, "static": st, "dynamic": dy, "onnxruntime_dynamic": onnx,
                           "bytes_pct": static.get("bytes_pct"), "loss": [static.get("loss_before"), static.get("loss_after"), dynamic.get("loss_after")]}
    print("\n### int8 784 → 512 → 512 → 10\n")
    print("| batch | dlc fp32 | dlc int8 static | dlc int8 dynamic | onnxruntime int8 dynamic | best dlc int8 / onnxruntime | target |")
    print("|---|---|---|---|---|---|---|")
    for b in (1, 256):
        best = min(st.get(b, 1e18), dy.get(b, 1e18))
        ratio = best / onnx[b] if b in onnx else None
        print(f"| {b} | {us(fp32.get(b))} | {us(st.get(b))} | {us(dy.get(b))} | {us(onnx.get(b))} | "
              f"{f'{ratio:.2f}×' if ratio else '—'} | {'≤ 1.00× at 256' if b == 256 else '—'} |")
    print(f"\nmodel bytes int8 / fp32: {static.get('bytes_pct')}%; test loss fp32 {static.get('loss_before')}, "
          f"static {static.get('loss_after')}, dynamic {dynamic.get('loss_after')}")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
