#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-22 (ASan + UBSan) in
# build-fuzz/ and runs each over its seed corpus for a bounded number of runs;
# fails on any crash, leak or sanitizer report. docs/Testing.md says how to
# fuzz longer.
#
#   scripts/fuzz.sh                    every target (20000 runs or 20 s each)
#   scripts/fuzz.sh fuzz-npz           one target
#   FUZZ_RUNS=-1 FUZZ_SECONDS=3600 scripts/fuzz.sh fuzz-safetensors
#
# New inputs that reach new code go to build-fuzz/fuzz/work/<target>/ (never
# into the committed seeds); a crashing input is saved as
# build-fuzz/fuzz/crashes/<target>-crash-<sha1>.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-packages.sh cmake ninja-build llvm-22-dev libmlir-22-dev \
  mlir-22-tools llvm-22-tools clang-22 libclang-rt-22-dev

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
RUNS=${FUZZ_RUNS:-20000}
SECONDS_EACH=${FUZZ_SECONDS:-20}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DSPOTLIGHT_ENABLE_FUZZERS=ON \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C "$BUILD_DIR" ${FUZZ_JOBS:+-j "$FUZZ_JOBS"} spotlight-fuzzers

targets=("$@")
if ((${#targets[@]} == 0)); then
  for corpus in fuzz/corpus/*/; do
    targets+=("$(basename "$corpus")")
  done
fi

# Symbolized reports; UBSan findings are crashes (-fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-22/bin/llvm-symbolizer}

failed=()
for name in "${targets[@]}"; do
  fuzzer="$BUILD_DIR/fuzz/$name"
  if [ ! -x "$fuzzer" ] || [ ! -d "fuzz/corpus/$name" ]; then
    echo "fuzz.sh: no fuzz target '$name' (see fuzz/CMakeLists.txt)" >&2
    failed+=("$name")
    continue
  fi
  work="$BUILD_DIR/fuzz/work/$name"
  log="$BUILD_DIR/fuzz/$name.log"
  mkdir -p "$work" "$BUILD_DIR/fuzz/crashes"
  if "$fuzzer" -runs="$RUNS" -max_total_time="$SECONDS_EACH" \
       -max_len=${FUZZ_MAX_LEN:-4096} -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 \
       -artifact_prefix="$BUILD_DIR/fuzz/crashes/$name-" \
       "$work" "fuzz/corpus/$name" >"$log" 2>&1; then
    echo "fuzz.sh: $name: $(grep -o 'number_of_executed_units: [0-9]*' "$log" |
                            tail -1 | cut -d' ' -f2) runs, no crash"
  else
    echo "fuzz.sh: $name FAILED (full log: $log)" >&2
    tail -40 "$log" >&2
    failed+=("$name")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
