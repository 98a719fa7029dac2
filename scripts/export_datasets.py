#!/usr/bin/env python3
"""Export scikit-learn's bundled data sets to specs/data/ for the example specs.

Run from anywhere:

    python3 scripts/export_datasets.py            # writes into specs/data/
    python3 scripts/export_datasets.py OUT_DIR    # writes somewhere else

It needs scikit-learn and numpy (e.g. `python3 -m venv /tmp/dlc-venv &&
/tmp/dlc-venv/bin/pip install scikit-learn numpy`). The exported files are committed to
the repository, so building, testing and running dlc never needs Python; this script
exists only to show where the files come from and to re-create them.

Output (see specs/data/README.md for rows, columns, sources and licenses):

    digits.csv         p0..p63 (integers 0..16), label (0..9)
    iris.csv           4 features, label (0..2)
    wine.csv           13 features, label (0..2)
    breast_cancer.csv  30 features, label (0 malignant, 1 benign)
    diabetes.csv       10 raw features, progression (float)
    digits_x.npy       float32 [1797, 64], the digits pixels
    digits_y.npy       int32 [1797], the digits labels

The output is deterministic: rows keep scikit-learn's order (no shuffling), integers are
written as integers, floats with Python's repr (the shortest text that reads back to the
same float64), lines end in "\\n", and the NPY files use numpy's format version 1.0.
"""

import os
import re
import sys

import numpy as np
from sklearn import datasets


def identifier(name):
    """'sepal length (cm)' -> 'sepal_length_cm'; 'od280/od315_of_...' -> 'od280_od315_of_...'."""
    ident = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if not ident or ident[0].isdigit():
        ident = "f_" + ident
    return ident


def fmt_float(x):
    return repr(float(x))


def fmt_int(x):
    if float(x) != int(x):
        raise ValueError(f"{x!r} is not an integer")
    return str(int(x))


def write_csv(path, header, rows, formats):
    """Writes a header line and rows; `formats` has one formatter per column."""
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: duplicate column names")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(fmt(v) for fmt, v in zip(formats, row)) + "\n")
    return len(rows), len(header)


def export_classification(out, filename, bunch, integer_features=False, feature_names=None):
    names = feature_names or [identifier(n) for n in bunch.feature_names]
    x, y = bunch.data, bunch.target
    header = names + ["label"]
    fx = fmt_int if integer_features else fmt_float
    rows = [list(x[i]) + [y[i]] for i in range(x.shape[0])]
    return write_csv(os.path.join(out, filename), header, rows, [fx] * len(names) + [fmt_int])


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = argv[1] if len(argv) > 1 else os.path.join(root, "specs", "data")
    os.makedirs(out, exist_ok=True)
    written = []

    digits = datasets.load_digits()
    pixels = [f"p{i}" for i in range(digits.data.shape[1])]
    written.append(("digits.csv",) + export_classification(out, "digits.csv", digits, integer_features=True,
                                                            feature_names=pixels))
    written.append(("iris.csv",) + export_classification(out, "iris.csv", datasets.load_iris()))
    written.append(("wine.csv",) + export_classification(out, "wine.csv", datasets.load_wine()))
    written.append(("breast_cancer.csv",) + export_classification(out, "breast_cancer.csv",
                                                                  datasets.load_breast_cancer()))

    # The raw (unscaled) diabetes features: dlc computes its own normalization from the
    # train split, whereas scikit-learn's default scaling uses all 442 rows.
    diabetes = datasets.load_diabetes(scaled=False)
    names = [identifier(n) for n in diabetes.feature_names]
    rows = [list(diabetes.data[i]) + [diabetes.target[i]] for i in range(diabetes.data.shape[0])]
    written.append(("diabetes.csv",) + write_csv(os.path.join(out, "diabetes.csv"), names + ["progression"], rows,
                                                 [fmt_float] * (len(names) + 1)))

    x = np.ascontiguousarray(digits.data, dtype=np.float32)
    y = np.ascontiguousarray(digits.target, dtype=np.int32)
    assert x.shape == (1797, 64) and y.shape == (1797,)
    np.save(os.path.join(out, "digits_x.npy"), x, allow_pickle=False)
    np.save(os.path.join(out, "digits_y.npy"), y, allow_pickle=False)

    for name, n_rows, n_cols in written:
        size = os.path.getsize(os.path.join(out, name))
        print(f"{name:20s} {n_rows:5d} rows  {n_cols:3d} columns  {size:8d} bytes")
    for name, a in (("digits_x.npy", x), ("digits_y.npy", y)):
        size = os.path.getsize(os.path.join(out, name))
        print(f"{name:20s} {a.dtype} {list(a.shape)}  {size:8d} bytes")


if __name__ == "__main__":
    main(sys.argv)
