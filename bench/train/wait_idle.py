#!/usr/bin/env python3
"""Wait until the machine's CPUs are idle, so that a benchmark run has them to itself.

    python3 bench/train/wait_idle.py [--max-busy 0.25] [--timeout 120]

Samples /proc/stat over 0.5 s intervals and returns as soon as the other work on the
machine keeps fewer than --max-busy cores busy, or after --timeout seconds (then it says
so on stderr, exit status 0 all the same: the benchmark goes on, with a warning).
Standard library only; on systems without /proc/stat it returns at once.
"""
import argparse
import sys
import time


def _cpu_times():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]), idle  # user nice system idle iowait irq softirq steal


def busy_cores(interval=0.5):
    """Cores kept busy over the next `interval` seconds (None when /proc/stat is missing)."""
    try:
        t0, i0 = _cpu_times()
        time.sleep(interval)
        t1, i1 = _cpu_times()
    except OSError:
        return None
    ticks = (t1 - t0) or 1
    import os

    return (1 - (i1 - i0) / ticks) * (os.cpu_count() or 1)


def wait_idle(max_busy=0.25, timeout=120.0, quiet=False):
    """True when the machine went idle within `timeout` seconds."""
    start = time.monotonic()
    said = False
    while True:
        busy = busy_cores()
        if busy is None or busy < max_busy:
            return True
        if time.monotonic() - start > timeout:
            if not quiet:
                print(f"wait_idle: the machine is still busy ({busy:.2f} cores) after {timeout:.0f} s; "
                      "going on — this run's numbers may be low", file=sys.stderr)
            return False
        if not quiet and not said:
            print(f"wait_idle: other work keeps {busy:.2f} cores busy; waiting…", file=sys.stderr)
            said = True


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-busy", type=float, default=0.25)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    wait_idle(a.max_busy, a.timeout)
