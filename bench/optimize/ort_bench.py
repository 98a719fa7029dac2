#!/usr/bin/env python3
"""onnxruntime inference latency of the optimization benchmark's models, for comparison
with `dlc latency` in the same run.

    python bench/optimize/ort_bench.py --model fold_bn_mlp|int8_mlp [--batches 1,256] [--seconds 2] [--threads 2]

Builds the model in PyTorch (eval mode; weights are random: they do not change the
time), exports it to ONNX (opset 17) in a temporary folder, and times
`InferenceSession.run` with `intra_op_num_threads` = --threads on generated inputs.
`fold_bn_mlp` is 784 → 512 → BatchNorm1d → ReLU → Dropout → 10 (onnxruntime folds the
batchnorm itself when it optimizes the graph); `int8_mlp` is 784 → 512 → 512 → 10 after
`onnxruntime.quantization.quantize_dynamic` (int8 weights, activations quantized per
batch). Prints one JSON object per batch size: {"model", "batch", "median_us", "p10_us",
"p90_us", "runs"}.
"""
import argparse
import json
import os
import tempfile
import time

import numpy as np
import torch
from torch import nn


def build(name):
    if name == "fold_bn_mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
    if name == "int8_mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    raise SystemExit(f"unknown model {name}")


def export(name, folder):
    torch.manual_seed(0)
    model = build(name).eval()
    path = os.path.join(folder, name + ".onnx")
    torch.onnx.export(model, (torch.randn(1, 784),), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
    if name == "int8_mlp":
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantized = os.path.join(folder, name + ".int8.onnx")
        quantize_dynamic(path, quantized, weight_type=QuantType.QInt8)
        path = quantized
    return path


def time_runs(session, x, seconds):
    for _ in range(5):
        session.run(None, {"x": x})
    samples = []
    start = time.perf_counter()
    while len(samples) < 5 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        session.run(None, {"x": x})
        samples.append(time.perf_counter() - t0)
    samples.sort()
    at = lambda q: samples[min(len(samples) - 1, int(q * (len(samples) - 1)))]
    return at(0.5), at(0.1), at(0.9), len(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--batches", default="1,256")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as folder:
        path = export(args.model, folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(0)
        for n in [int(b) for b in args.batches.split(",")]:
            x = rng.standard_normal((n, 784), dtype=np.float32)
            median, p10, p90, runs = time_runs(session, x, args.seconds)
            print(json.dumps({"model": args.model, "batch": n, "median_us": median * 1e6, "p10_us": p10 * 1e6,
                              "p90_us": p90 * 1e6, "runs": runs, "onnxruntime": ort.__version__}), flush=True)


if __name__ == "__main__":
    main()
