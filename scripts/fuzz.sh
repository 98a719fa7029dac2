#!/usr/bin/env bash
# The fuzz targets of the front end and the data readers (fuzz/README.md).
#
#   scripts/fuzz.sh smoke         replay every corpus input with the plain build, then build the
#                                 libFuzzer binary (debug: quicker to build) and fuzz each target
#                                 for FUZZ_SECONDS (default 20)
#   scripts/fuzz.sh replay        only replay the corpus (no fuzzer build)
#   scripts/fuzz.sh build         build the libFuzzer binary (in .build-fuzz, apart from .build;
#                                 FUZZ_CONFIG=release by default, for long runs)
#   scripts/fuzz.sh run TARGET SECONDS [libFuzzer flags]
#                                 fuzz one target, niced, new inputs in .build-fuzz/corpus/TARGET,
#                                 findings in .build-fuzz/findings/TARGET
#
# Each target has a dictionary of its format's tokens (fuzz/dict/TARGET.dict).
# Targets and their input size limits: spec 8192, csv 4096, npy 4096, safetensors 4096 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(spec csv npy safetensors)

max_len() {
  case $1 in spec) echo 8192 ;; *) echo 4096 ;; esac
}

config=${FUZZ_CONFIG:-release}
fuzzer_bin() { echo ".build-fuzz/$config/dlc-fuzz"; }

# libFuzzer is part of the Swift toolchain (its clang runtime); say so plainly when it is not.
check_libfuzzer() {
  local swift_bin lib
  swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")
  lib=$(find "$swift_bin/../lib/clang" -name 'libclang_rt.fuzzer-*.a' -o -name 'libclang_rt.fuzzer_osx.a' 2>/dev/null | head -n 1)
  if [ -z "$lib" ]; then
    echo "fuzz: this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer) under $swift_bin/../lib/clang" >&2
    exit 1
  fi
}

build() {
  check_libfuzzer
  # -DDLC_LIBFUZZER makes the entry point hand over to libFuzzer's driver; address
  # sanitizer catches reads past a buffer that Swift's own checks cannot see (raw pointers).
  # The linker warns about every sanitizer helper it cannot export; the log keeps them.
  mkdir -p .build-fuzz
  if ! nice -n 10 swift build -c "$config" --product dlc-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDLC_LIBFUZZER > .build-fuzz/build.log 2>&1; then
    grep -v 'Cannot export local symbol' .build-fuzz/build.log >&2
    exit 1
  fi
  tail -n 1 .build-fuzz/build.log
}

replay() {
  swift build -q --product dlc-fuzz
  local bin
  bin=$(swift build --show-bin-path)/dlc-fuzz
  for t in "${targets[@]}"; do
    timeout 120 "$bin" "$t" "fuzz/corpus/$t"
  done
}

run() {
  local target=$1 seconds=$2
  shift 2
  mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/findings/$target"
  # Leak checking is off: Swift's lazily initialized globals look like leaks to it.
  DLC_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 nice -n 19 "$(fuzzer_bin)" \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10 \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix=".build-fuzz/findings/$target/" \
    -dict="fuzz/dict/$target.dict" "$@" \
    ".build-fuzz/corpus/$target" "fuzz/corpus/$target" < /dev/null
}

case ${1:-smoke} in
  replay) replay ;;
  build) build ;;
  run) shift; run "$@" ;;
  smoke)
    config=${FUZZ_CONFIG:-debug}
    replay
    build
    for t in "${targets[@]}"; do
      log=".build-fuzz/findings/smoke-$t.log"
      mkdir -p .build-fuzz/findings
      if ! run "$t" "${FUZZ_SECONDS:-20}" > "$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "FAIL: fuzz target '$t' found a crash, a hang or an out-of-memory; the input is in .build-fuzz/findings/$t/" >&2
        exit 1
      fi
      echo "fuzz $t: $(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}') inputs in ${FUZZ_SECONDS:-20} s, no crash"
    done
    ;;
  *) echo "usage: scripts/fuzz.sh [smoke|replay|build|run TARGET SECONDS]" >&2; exit 2 ;;
esac
