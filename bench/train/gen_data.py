#!/usr/bin/env python3
"""Synthetic data for the training benchmark, written to bench/.data/ (gitignored).

    python3 bench/train/gen_data.py [--out DIR] [--seed S] [--force]

Needs numpy. Writes, as NPY (x little-endian float32, y int64):

  mnist_x.npy  [60000, 784]      standard-normal "images" (28×28 = 784 pixels, C order,
  mnist_y.npy  [60000]           so the same rows feed the MLPs and the 1×28×28 CNN)
  seq_x.npy    [20000, 32, 64]   standard-normal sequences of 32 positions × 64 features
  seq_y.npy    [20000]

Labels are learnable: y = argmax(x_flat · W) for a fixed random W of shape [features, 10]
drawn from the same seed, so every model can drive the loss down (the classes are linearly
separable). The output is deterministic for a given seed; files that already exist with
the right seed, shapes and dtypes are kept, so re-running is cheap (--force rewrites them).
"""
import argparse
import json
import os
import sys

import numpy as np

SETS = {
    # name: (samples, per-sample shape)
    "mnist": (60000, (784,)),
    "seq": (20000, (32, 64)),
}
FORMAT = 1  # bump when the generator's output changes


def generate(name, n, shape, seed):
    rng = np.random.default_rng([seed, sum(map(ord, name))])
    features = int(np.prod(shape))
    w = rng.standard_normal((features, 10), dtype=np.float32)
    x = rng.standard_normal((n, features), dtype=np.float32)
    y = np.argmax(x @ w, axis=1).astype(np.int64)
    return x.reshape((n,) + shape), y


def up_to_date(out, name, n, shape, seed, meta):
    if meta.get(name) != {"seed": seed, "format": FORMAT, "samples": n, "shape": list(shape)}:
        return False
    try:
        x = np.load(os.path.join(out, f"{name}_x.npy"), mmap_mode="r")
        y = np.load(os.path.join(out, f"{name}_y.npy"), mmap_mode="r")
    except (OSError, ValueError):
        return False
    return (x.shape == (n,) + shape and x.dtype == np.float32 and y.shape == (n,) and y.dtype == np.int64)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", ".data"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rewrite existing files")
    args = ap.parse_args()

    out = os.path.normpath(args.out)
    os.makedirs(out, exist_ok=True)
    meta_path = os.path.join(out, "meta.json")
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        meta = {}

    for name, (n, shape) in SETS.items():
        if not args.force and up_to_date(out, name, n, shape, args.seed, meta):
            print(f"{name}: up to date", file=sys.stderr)
            continue
        x, y = generate(name, n, shape, args.seed)
        for suffix, arr in (("x", x), ("y", y)):
            path = os.path.join(out, f"{name}_{suffix}.npy")
            tmp = path + ".tmp.npy"
            np.save(tmp, arr)
            os.replace(tmp, path)
        counts = np.bincount(y, minlength=10)
        print(f"{name}: x {list(x.shape)} float32, y [{n}] int64, class counts {counts.min()}–{counts.max()}",
              file=sys.stderr)
        meta[name] = {"seed": args.seed, "format": FORMAT, "samples": n, "shape": list(shape)}
        with open(meta_path, "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
