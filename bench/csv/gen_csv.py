#!/usr/bin/env python3
"""Writes the CSV loading benchmark's data: a numeric CSV and the same values as NPY.

    python3 bench/csv/gen_csv.py OUT_DIR ROWS

OUT_DIR/data.csv: a header `f0,…,f19,y` and ROWS rows of 20 features written as numbers
are written by data tools (about a third each: `%.6f`, `%.8g` and short integers or
one-decimal values) and a regression target `%.5f`. OUT_DIR/x.npy and y.npy hold the same
values as float32 (x: [ROWS, 20], y: [ROWS]). Deterministic (seeded), standard library only.
"""
import random
import struct
import sys


def npy(path, shape, values):
    """A version 1.0 little-endian float32 NPY file."""
    dims = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % dims
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = random.Random(7)
    xs, ys = [], []
    with open(out + "/data.csv", "w") as f:
        f.write(",".join("f%d" % k for k in range(20)) + ",y\n")
        for _ in range(rows):
            cells = []
            for k in range(20):
                v = rng.gauss(0, 10 ** rng.randint(-2, 3))
                kind = k % 3
                text = "%.6f" % v if kind == 0 else "%.8g" % v if kind == 1 else ("%d" % round(v) if k % 2 else "%.1f" % v)
                cells.append(text)
                xs.append(float(text))
            t = "%.5f" % rng.uniform(-5, 5)
            ys.append(float(t))
            f.write(",".join(cells) + "," + t + "\n")
    npy(out + "/x.npy", [rows, 20], xs)
    npy(out + "/y.npy", [rows], ys)


if __name__ == "__main__":
    main()
