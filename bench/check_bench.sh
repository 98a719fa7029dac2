#!/usr/bin/env bash
# Benchmark of `dlc check` on generated specs of 1,000, 10,000 and 100,000 layers.
#
#   bash bench/check_bench.sh
#
# Builds dlc in release mode, writes the specs with bench/gen_specs.py into a temporary
# folder, runs `dlc check SPEC` RUNS times per size under GNU time and prints a Markdown
# table: layers, spec bytes, median wall time, peak RSS, time per layer. Any run of dlc
# that exits non-zero stops the benchmark with its diagnostics and exit status 1.
#
# Environment:
#   RUNS=5                    runs per size (the median is reported)
#   SIZES="1000 10000 100000" layer counts
#   DLC_BIN=path/to/dlc       use this binary instead of building .build/release/dlc
#
# Needs: the Swift toolchain, python3 (standard library only) and GNU time (/usr/bin/time,
# Debian package `time`).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-5}
sizes=${SIZES:-"1000 10000 100000"}

die() {
  echo "check_bench: $*" >&2
  exit 1
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
for n in $sizes; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || die "SIZES must be integers ≥ 2, not '$n'"
done
[ -x /usr/bin/time ] || die "GNU time is missing (/usr/bin/time); install it with 'apt-get install time'"
/usr/bin/time -f '%e %M' true 2>/dev/null || die "/usr/bin/time is not GNU time (it must accept -f '%e %M')"
command -v python3 > /dev/null || die "python3 is missing (bench/gen_specs.py needs it)"

# 1. dlc, in release mode.
if [ -n "${DLC_BIN:-}" ]; then
  dlc=$DLC_BIN
  echo "using $dlc" >&2
else
  echo "building dlc (release)…" >&2
  swift build -c release >&2 || die "swift build -c release failed"
  dlc=$root/.build/release/dlc
fi
[ -x "$dlc" ] || die "no dlc executable at $dlc"

# 2. The specs, in a temporary folder removed on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlc-check-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086  # $sizes is a list of integers, split on purpose
python3 bench/gen_specs.py "$tmp" "$root/specs/data/digits.csv" --sizes $sizes > /dev/null \
  || die "bench/gen_specs.py failed"

# 3. The runs. GNU time writes '%e %M' (wall seconds, peak RSS in KiB) as the last line of
# its -o file; dlc's own output goes to files so that its stderr is shown on failure.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
for n in $sizes; do
  spec=$tmp/mlp_$n.yaml
  bytes=$(wc -c < "$spec" | tr -d ' ')
  : > "$tmp/times"
  : > "$tmp/rss"
  for ((i = 1; i <= runs; i++)); do
    echo "layers $n, run $i/$runs" >&2
    status=0
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$dlc" check --color never "$spec" > "$tmp/stdout" 2> "$tmp/stderr" || status=$?
    if [ "$status" -ne 0 ]; then
      {
        echo
        echo "check_bench: FAILED: '$dlc check $spec' exited with status $status ($n layers, run $i)."
        echo "--- dlc stderr (first 40 lines) ---"
        head -n 40 "$tmp/stderr"
        echo "--- GNU time ---"
        cat "$tmp/time"
      } >&2
      exit 1
    fi
    grep -q . "$tmp/stdout" || die "'dlc check' printed no summary for $n layers"
    if [ -s "$tmp/stderr" ]; then
      echo "check_bench: warning: dlc wrote to stderr for $n layers:" >&2
      head -n 5 "$tmp/stderr" >&2
    fi
    read -r wall rss < <(tail -n 1 "$tmp/time")
    [[ "$wall" =~ ^[0-9.]+$ && "$rss" =~ ^[0-9]+$ ]] || die "cannot read GNU time's output: $(cat "$tmp/time")"
    echo "$wall" >> "$tmp/times"
    echo "$rss" >> "$tmp/rss"
  done
  med=$(median < "$tmp/times")
  peak=$(sort -n "$tmp/rss" | tail -n 1)
  rows+=("$(awk -v n="$n" -v b="$bytes" -v t="$med" -v m="$peak" \
    'BEGIN { printf "| %d | %d | %.2f | %.1f | %.2f |", n, b, t, m / 1024, t / n * 1e6 }')")
done

# 4. The report.
commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
git diff --quiet HEAD -- Sources Package.swift 2> /dev/null || commit="$commit (with uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
echo
echo "\`dlc check\` on generated residual MLPs; dlc $commit; ${cpu:-unknown CPU}, $(nproc 2> /dev/null || echo '?') cores; median of $runs runs; peak RSS is the largest of the runs."
echo
echo "| layers | spec bytes | median wall time (s) | peak RSS (MiB) | time per layer (µs) |"
echo "|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
