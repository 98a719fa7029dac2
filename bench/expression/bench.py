#!/usr/bin/env python3
"""Training speed of expression activations against the equivalent built-in ones, in
emitted trainers.

    python3 bench/expression/bench.py            # from the repository root

Writes one spec per activation (the same MLP on specs/data/digits.csv; only the
activation differs), emits all of them into one trainer package with
`dlc compile SPEC --with SPEC ...` and builds it in release mode, then trains each
trainer ROUNDS times, interleaved (a, b, c, a, b, c, ...), so that drifts in the machine's
speed hit every variant alike. From each run's log.jsonl (epochs after the first): its
best epoch (samples/s; on a shared machine the least disturbed epoch is the closest to
the code's own speed) and its median epoch. A variant's figures: its best epoch over all
runs, the median over runs of each run's best epoch, and the median over runs of each
run's median epoch. Prints a Markdown table: each expression against its built-in, as
ratios.

Pairs: x*sigmoid(x) against silu (when this dlc has silu), sigmoid(x) against sigmoid,
and GELU's tanh form against `gelu: tanh`.

Environment: DLC_BIN (default .build/release/dlc, else .build/debug/dlc; emission speed
does not matter), ROUNDS (default 5), EPOCHS (default 40), WORK (default a temporary
folder), UNITS (default 256).
Needs: the Swift toolchain, python3 (standard library only).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GELU_TANH = "0.5*x*(1+tanh(0.7978845608*(x+0.044715*x^3)))"

# (name, activation as YAML, the built-in it is compared with or None)
VARIANTS = [
    ("expr_silu", '{expr: "x*sigmoid(x)"}', "builtin_silu"),
    ("builtin_silu", "silu", None),
    ("expr_sigmoid", '{expr: "sigmoid(x)"}', "builtin_sigmoid"),
    ("builtin_sigmoid", "sigmoid", None),
    ("expr_gelu_tanh", '{expr: "%s"}' % GELU_TANH, "builtin_gelu_tanh"),
    ("builtin_gelu_tanh", "{gelu: tanh}", None),
]


def spec(name, activation, units, epochs):
    return f"""dlc: 1
name: {name}
seed: 1
data:
  source: {{csv: {ROOT}/specs/data/digits.csv, target: label}}
  task: classification
  split: {{valid: 0.1}}
  normalize: standardize
model:
  input: [64]
  layers:
    - dense: {{units: {units}, activation: {activation}}}
    - dense: {{units: {units}, activation: {activation}}}
    - dense: {{units: {units}, activation: {activation}}}
    - dense: 10
loss: cross_entropy
train:
  optimizer: adam
  batch_size: 64
  epochs: {epochs}
  metrics: []
"""


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r


def main():
    dlc = os.environ.get("DLC_BIN") or next(
        (p for p in (f"{ROOT}/.build/release/dlc", f"{ROOT}/.build/debug/dlc") if os.path.exists(p)), None)
    if not dlc:
        sys.exit("bench: no dlc binary; run `swift build` or set DLC_BIN")
    rounds = int(os.environ.get("ROUNDS", "5"))
    epochs = int(os.environ.get("EPOCHS", "40"))
    units = int(os.environ.get("UNITS", "256"))
    work = os.environ.get("WORK") or tempfile.mkdtemp(prefix="dlc-expr-bench-")
    os.makedirs(work, exist_ok=True)

    # The variants this dlc accepts (silu may not be there yet).
    variants = []
    for name, activation, builtin in VARIANTS:
        path = f"{work}/{name}.yaml"
        with open(path, "w") as f:
            f.write(spec(name, activation, units, epochs))
        if subprocess.run([dlc, "check", path], capture_output=True).returncode == 0:
            variants.append((name, builtin, path))
        else:
            print(f"bench: this dlc does not accept {name} ({activation}); left out", file=sys.stderr)
    names = {v[0] for v in variants}
    variants = [v for v in variants if v[1] is None or v[1] in names]
    names = {v[0] for v in variants}
    variants = [v for v in variants if v[1] is not None or any(w[1] == v[0] for w in variants)]

    package = f"{work}/package"
    paths = [v[2] for v in variants]
    with_args = [a for p in paths[1:] for a in ("--with", p)]
    run([dlc, "compile", paths[0], *with_args, "--output", package, "--force"])
    print("bench: building the trainers (release)...", file=sys.stderr)
    run(["swift", "build", "-c", "release", "--package-path", package])

    speeds = {v[0]: [] for v in variants}
    best = {v[0]: [] for v in variants}
    for r in range(rounds):
        for name, _, _ in variants:
            exe = f"{package}/.build/release/{name.replace('_', '-')}"
            out = f"{work}/runs-{r}"
            run([exe, "train", "--epochs", str(epochs), "--out", out, "--overwrite"], cwd=ROOT)
            with open(f"{out}/{name}/log.jsonl") as f:
                records = [json.loads(line) for line in f if line.strip()]
            speeds[name].append(statistics.median(rec["samples_per_s"] for rec in records[1:]))
            best[name].append(max(rec["samples_per_s"] for rec in records[1:]))
        print(f"bench: round {r + 1}/{rounds} done", file=sys.stderr)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"CPU: {cpu}; {units} units × 3 dense layers, batch 64, {epochs} epochs × {rounds} interleaved rounds\n")
    print("| expression | built-in | best epoch of all runs (samples/s) | ratio | median of runs' best | ratio | median of runs' median | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, builtin, _ in variants:
        if builtin is None:
            continue
        cells = []
        for f in (max, statistics.median):
            a, b = f(best[name]), f(best[builtin])
            cells.append(f"{a:,.0f} / {b:,.0f} | {a / b:.3f}")
        a, b = statistics.median(speeds[name]), statistics.median(speeds[builtin])
        cells.append(f"{a:,.0f} / {b:,.0f} | {a / b:.3f}")
        print(f"| `{name}` | `{builtin}` | " + " | ".join(cells) + " |")
    print("\nper run, best epoch / median epoch (samples/s):")
    for name, _, _ in variants:
        print(f"  {name}: " + ", ".join(f"{b:,.0f}/{s:,.0f}" for b, s in zip(best[name], speeds[name])))


if __name__ == "__main__":
    main()
