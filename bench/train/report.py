#!/usr/bin/env python3
"""Prints the training benchmark's Markdown tables from the pieces run_train_bench.sh collects.

    python3 bench/train/report.py --dlc DLC.tsv [--torch TORCH.json] [--sgemm SGEMM.json]
                                  [--torch-note TEXT] [--models a,b]

DLC.tsv: one line per model, tab-separated: key, status, samples/s, peak RSS (KiB),
first-epoch loss, last-epoch loss, CPU cores used (CPU time / wall time of the process). status is `ok` or the text to put in the dlc cells
(e.g. "dlc train not available"). TORCH.json: torch_bench.py's output. SGEMM.json:
sgemm_peak.py's output; the 2-thread best is the "% of sgemm peak" denominator.
Standard library only.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def fmt_int(v):
    return f"{v:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dlc", required=True)
    ap.add_argument("--emitted")
    ap.add_argument("--torch")
    ap.add_argument("--torch-note", default="torch not run")
    ap.add_argument("--sgemm")
    ap.add_argument("--models", default=",".join(m[0] for m in models.MODELS))
    args = ap.parse_args()

    dlc = {}
    with open(args.dlc) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts and parts[0]:
                dlc[parts[0]] = parts[1:]
    emitted = {}
    if args.emitted and os.path.exists(args.emitted):
        with open(args.emitted) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts and parts[0]:
                    emitted[parts[0]] = parts[1:]
    torch = {}
    torch_version = None
    if args.torch and os.path.exists(args.torch):
        with open(args.torch) as f:
            doc = json.load(f)
        torch_version = doc.get("torch")
        for run in doc["runs"]:
            torch[(run["model"], run["optimizer"])] = run
    peak = None
    sgemm = None
    if args.sgemm and os.path.exists(args.sgemm):
        with open(args.sgemm) as f:
            sgemm = json.load(f)
        peak = sgemm["gflops"]["2"]["best"]

    threads = 2
    contended = []

    def cell(run):
        text = fmt_int(run["samples_per_s"])
        if run["cpu_util"] < 0.9 * run.get("threads", threads):
            contended.append(run)
            text += " †"
        return text

    print("| model | dlc samples/s | torch default | torch fused | dlc/torch-fused | target | dlc GFLOP/s "
          "| % of sgemm peak | RSS dlc (MiB) | RSS torch (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in [k for k in args.models.split(",") if k]:
        _, title, _, batch, _, target = models.BY_KEY[key]
        flops = models.train_flops_per_sample(key)
        td, tf = torch.get((key, "default")), torch.get((key, "fused"))
        row = dlc.get(key, ["not run"])
        status = row[0]
        if status == "ok":
            rate, rss = float(row[1]), (float(row[2]) / 1024 if row[2] not in ("", "n/a") else None)
            gflops = rate * flops / 1e9
            d_rate = fmt_int(rate)
            ratio = f"{rate / tf['samples_per_s']:.2f}×" if tf else "n/a"
            d_gflops = f"{gflops:.1f}"
            d_peak = f"{100 * gflops / peak:.1f}%" if peak else "n/a"
            d_rss = f"{rss:.0f}" if rss is not None else "n/a"
        else:
            d_rate = ratio = d_gflops = d_peak = d_rss = status
        t_def = cell(td) if td else args.torch_note
        t_fus = cell(tf) if tf else args.torch_note
        t_rss = f"{tf['peak_rss_mib']:.0f}" if tf else args.torch_note
        print(f"| {title} (b{batch}) | {d_rate} | {t_def} | {t_fus} | {ratio} | ≥ {target:.2f}× | {d_gflops} "
              f"| {d_peak} | {d_rss} | {t_rss} |")

    if emitted:
        print()
        print("The emitted trainers (`dlc compile -o`, built with `swift build -c release`), same run:")
        print()
        print("| model | emitted samples/s | interpreter samples/s | emitted/interpreter | torch fused "
              "| emitted/torch-fused | target | RSS emitted (MiB) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key in [k for k in args.models.split(",") if k]:
            _, title, _, batch, _, _ = models.BY_KEY[key]
            target = models.EMITTED_TARGETS[key]
            tf = torch.get((key, "fused"))
            row, irow = emitted.get(key, ["not run"]), dlc.get(key, ["not run"])
            if row[0] != "ok":
                print(f"| {title} (b{batch}) | {row[0]} | | | | | ≥ {target:.2f}× | |")
                continue
            rate = float(row[1])
            rss = f"{float(row[2]) / 1024:.0f}" if row[2] not in ("", "n/a") else "n/a"
            irate = float(irow[1]) if irow[0] == "ok" else None
            vs_i = f"{rate / irate:.2f}×" if irate else "n/a"
            vs_t = f"{rate / tf['samples_per_s']:.2f}×" if tf else "n/a"
            t_fus = fmt_int(tf["samples_per_s"]) if tf else args.torch_note
            print(f"| {title} (b{batch}) | {fmt_int(rate)} | {fmt_int(irate) if irate else 'n/a'} | {vs_i} | {t_fus} "
                  f"| {vs_t} | ≥ {target:.2f}× | {rss} |")

    print()
    if contended:
        print("† contended: the run got less than 0.9 × 2 cores of CPU time (other work on the machine); "
              "its number is low and should be re-measured.")
        print()
    if peak:
        print(f"sgemm peak ({sgemm['n']}³, OpenBLAS {sgemm['corename']} kernels, best of {sgemm['reps']}): "
              f"{sgemm['gflops']['1']['best']:.0f} GFLOP/s on 1 thread, {peak:.0f} on 2 (the denominator).")
        if peak < 1.5 * sgemm["gflops"]["1"]["best"]:
            print("Warning: 2 threads were not 1.5× faster than 1: the machine was probably busy; "
                  "the peak (and the % column) is suspect.")
    else:
        print("sgemm peak: not measured.")
    if torch:
        print()
        print(f"PyTorch {torch_version} details (2 threads; GFLOP/s by the same convention; "
              "loss = mean of the first → last timed window):")
        print()
        print("| model | optimizer | samples/s | step (µs) | GFLOP/s | % of sgemm peak | CPU (cores) "
              "| peak RSS (MiB) | loss |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
        for key in [k for k in args.models.split(",") if k]:
            for optim in ("default", "fused"):
                r = torch.get((key, optim))
                if not r:
                    continue
                pct = f"{100 * r['gflops'] / peak:.1f}%" if peak else "n/a"
                print(f"| {key} | {optim} | {fmt_int(r['samples_per_s'])} | {r['step_us']:.0f} | {r['gflops']:.1f} "
                      f"| {pct} | {r['cpu_util']:.2f} | {r['peak_rss_mib']:.0f} "
                      f"| {r['loss_first_window']:.3f} → {r['loss_last_window']:.3f} |")
    ok = {k: v for k, v in dlc.items() if v and v[0] == "ok" and len(v) >= 5 and v[3] and v[4]}
    if ok:
        print()
        print("dlc train loss, first → last epoch (CPU cores used): " + ", ".join(
            f"{k} {float(v[3]):.3f} → {float(v[4]):.3f} ({v[5] if len(v) > 5 else 'n/a'})"
            for k, v in ok.items()))


if __name__ == "__main__":
    main()
