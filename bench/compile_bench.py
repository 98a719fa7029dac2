#!/usr/bin/env python3
"""Benchmark of `dlc compile`: how long writing an emitted trainer package takes.

    python3 bench/compile_bench.py --dlc PATH [--runs 10] [--specs specs/a.yaml ...]

Runs `dlc compile SPEC -o DIR` RUNS times per example spec (default: every spec in
specs/) into a new folder, and once more into the package just written (where dlc leaves
unchanged files alone), after one untimed warm-up run, and prints a Markdown table: spec,
files and bytes written, median and slowest wall time of the whole process into a new
folder (start-up, parsing, checking, lowering, autodiff, optimization passes, emission,
writing) and median time when re-emitting. A run that exits non-zero stops the benchmark with dlc's diagnostics and exit
status 1. Target (the code generation issue): under 100 ms per example.

With `--swift-build`, it instead builds each package in release mode, the way a user
does after `dlc compile` (`swift build -c release --package-path DIR`), and prints how long
each step took from an empty build folder: the carried runtime's targets one after
another (each `--target`, so the time of a row is that target's own), then the trainer
target and the link, then a rebuild after the package is emitted again unchanged, and the
total. Use `--runs 1` or 2: a cold release build takes a minute or more. With
`--together`, the specs go into one package (`dlc compile FIRST -o DIR --with REST...`) and
each trainer target is timed on its own after the runtime: what one more spec costs in a
package whose runtime is built.

Standard library only. digits_transfer reads its base's spec, not its checkpoint, so
compiling it needs no trained base.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def compile_once(dlc, spec, out, others=()):
    start = time.perf_counter()
    command = [dlc, "compile", spec, "-o", out]
    for other in others:
        command += ["--with", other]
    p = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"compile_bench: dlc compile {spec} exited with status {p.returncode}:\n{p.stderr}")
    return seconds


def swift_build(package, target=None):
    """Seconds of one `swift build -c release` of the package (or of one target)."""
    command = ["swift", "build", "-c", "release", "--package-path", package]
    if target:
        command += ["--target", target]
    start = time.perf_counter()
    p = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"compile_bench: {' '.join(command)} exited with status {p.returncode}:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    return seconds


def manifest_targets(package, kinds):
    """Names of the manifest's targets of the given kinds, in manifest order."""
    manifest = open(os.path.join(package, "Package.swift")).read()
    names = []
    for line in manifest.splitlines():
        line = line.strip()
        for kind in kinds:
            if line.startswith(kind + "(name: \""):
                names.append(line[len(kind) + len("(name: \""):].split("\"")[0])
    return names


def runtime_targets(package):
    """The package's carried targets (not the system library shim), dependencies first."""
    return manifest_targets(package, [".target"])


def trainer_targets(package):
    """The package's trainer targets."""
    return manifest_targets(package, [".executableTarget"])


def build_bench(args, specs):
    """Release builds of each spec's package, step by step (see the module docstring)."""
    groups = [specs] if args.together else [[spec] for spec in specs]
    for group in groups:
        name = "+".join(os.path.splitext(os.path.basename(spec))[0] for spec in group)
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="dlc-build-bench.") as tmp:
                out = os.path.join(tmp, "package")
                compile_once(args.dlc, group[0], out, group[1:])
                steps = [(target, swift_build(out, target)) for target in runtime_targets(out)]
                if len(group) > 1:
                    steps += [(target, swift_build(out, target)) for target in trainer_targets(out)]
                    steps.append(("link", swift_build(out)))
                else:
                    steps.append(("trainer and link", swift_build(out)))
                total = sum(t for _, t in steps)
                compile_once(args.dlc, group[0], out, group[1:])
                again = swift_build(out)
                print(f"{name} run {run + 1}: " + ", ".join(f"{t} {s:.1f} s" for t, s in steps)
                      + f"; total {total:.1f} s; after emitting again {again:.1f} s", flush=True)


def package_size(folder):
    files = total = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(directory, name))
    return files, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dlc", required=True, help="the dlc executable")
    ap.add_argument("--runs", type=int, default=10, help="timed runs per spec (median reported)")
    ap.add_argument("--specs", nargs="*", help="specs, relative to the repository (default: specs/*.yaml)")
    ap.add_argument("--swift-build", action="store_true", help="time release builds of the packages instead")
    ap.add_argument("--together", action="store_true", help="with --swift-build: all specs in one package")
    args = ap.parse_args()
    if args.runs < 1:
        sys.exit("compile_bench: --runs must be at least 1")
    specs = args.specs or sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "specs", "*.yaml")))
    if not specs:
        sys.exit("compile_bench: no specs")
    if args.swift_build:
        build_bench(args, specs)
        return

    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory(prefix="dlc-compile-bench.") as tmp:
        for spec in specs:
            name = os.path.splitext(os.path.basename(spec))[0]
            out = os.path.join(tmp, name)
            compile_once(args.dlc, spec, out)  # warm-up: file cache, dynamic linker
            files, total = package_size(out)
            fresh, again = [], []
            for _ in range(args.runs):
                shutil.rmtree(out)
                # Settle the deletion first: ext4 creating files right after deleting a
                # tree searches its recently freed inodes and doubles the time (measured:
                # 46 ms after a sync, ~100 ms without), a cost of the loop, not of dlc.
                os.sync()
                fresh.append(compile_once(args.dlc, spec, out))
                again.append(compile_once(args.dlc, spec, out))
            median, slowest = statistics.median(fresh), max(fresh)
            worst = max(worst, median)
            rows.append(f"| {name} | {files} | {total:,} | {median * 1e3:.1f} | {slowest * 1e3:.1f} | "
                        f"{statistics.median(again) * 1e3:.1f} |")

    print("| spec | files | bytes | median, new folder (ms) | slowest, new folder (ms) | median, same package again (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print()
    verdict = "met" if worst < 0.1 else "NOT met"
    print(f"slowest median {worst * 1e3:.1f} ms; target under 100 ms per example: {verdict}")


if __name__ == "__main__":
    main()
