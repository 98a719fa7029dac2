#!/usr/bin/env python3
"""OpenBLAS sgemm peak GFLOP/s on this machine, 1 and 2 threads (the table's denominator).

    python3 bench/train/sgemm_peak.py [--n 1024] [--reps 20] [--coretype auto] [--cc cc]
    python3 bench/train/sgemm_peak.py --print-coretype

Compiles sgemm_peak.c against the system OpenBLAS (Debian: libopenblas-dev) into a
temporary folder and runs it with OPENBLAS_CORETYPE set. `--coretype auto` (the default)
picks the best kernels the CPU flags allow: SkylakeX with AVX-512F, Haswell with AVX2
(Debian's OpenBLAS 0.3.21 does not recognize recent CPUs and otherwise falls back to its
SSE3 "Prescott" kernels, several times slower); it overrides an OPENBLAS_CORETYPE already
in the environment, which `--coretype inherit` keeps instead. Prints one JSON object:
{"n", "reps", "corename", "config", "coretype_env", "inherited_coretype",
 "gflops": {"1": {"best", "mean"}, "2": {...}}} (GFLOP/s = 2·n³ / seconds / 1e9).
Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def coretype():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    if "avx512f" in flags:
        return "SkylakeX"
    if "avx2" in flags:
        return "Haswell"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--coretype", default="auto", help="auto (from the CPU flags), inherit, or a name")
    ap.add_argument("--print-coretype", action="store_true", help="print the auto choice and exit")
    args = ap.parse_args()
    if args.print_coretype:
        print(coretype() or "")
        return

    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sgemm_peak.c")
    if shutil.which(args.cc) is None:
        sys.exit(f"sgemm_peak: no C compiler '{args.cc}' (set CC)")
    env = dict(os.environ)
    inherited = env.get("OPENBLAS_CORETYPE")
    kind = coretype() if args.coretype == "auto" else None if args.coretype == "inherit" else args.coretype
    if kind:
        env["OPENBLAS_CORETYPE"] = kind
    with tempfile.TemporaryDirectory(prefix="sgemm-peak.") as tmp:
        exe = os.path.join(tmp, "sgemm_peak")
        build = subprocess.run([args.cc, "-O2", src, "-o", exe, "-lopenblas"], capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit("sgemm_peak: compiling against OpenBLAS failed (install libopenblas-dev):\n" + build.stderr)
        run = subprocess.run([exe, str(args.n), str(args.reps)], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"sgemm_peak: the benchmark exited with status {run.returncode}:\n{run.stderr}")
    result = json.loads(run.stdout)
    result["coretype_env"] = env.get("OPENBLAS_CORETYPE")
    result["inherited_coretype"] = inherited
    print(json.dumps(result))


if __name__ == "__main__":
    main()
