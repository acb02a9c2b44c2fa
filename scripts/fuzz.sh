#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-22 (ASan + UBSan) in
# build-fuzz/ and runs each over its seed corpus for a bounded number of runs;
# fails on any crash, leak or sanitizer report. docs/Testing.md says how to
# fuzz longer. scripts/test.sh runs it after the tests.
#
#   scripts/fuzz.sh                    every target (100000 runs or 15 s each)
#   scripts/fuzz.sh fuzz-npz           one target
#   FUZZ_RUNS=-1 FUZZ_SECONDS=3600 FUZZ_SEED=0 scripts/fuzz.sh fuzz-safetensors
#
# fuzz-c-api, fuzz-paged and fuzz-artifact run against a small CPU artifact
# compiled into build-fuzz/fuzz/ by the main build's spotlight-compile
# ($SPOTLIGHT_COMPILE, default build/bin/spotlight-compile, built there when
# build/ is configured), not by the instrumented tree; fuzz-paged also
# against a second one of another geometry.
#
# New inputs that reach new code go to build-fuzz/fuzz/work/<target>/ (never
# into the committed seeds); a crashing input is saved as
# build-fuzz/fuzz/crashes/<target>-crash-<sha1>.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-packages.sh cmake ninja-build llvm-22-dev libmlir-22-dev \
  mlir-22-tools llvm-22-tools clang-22 libclang-rt-22-dev

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
case "$BUILD_DIR" in # for the harnesses' paths: FUZZ_BUILD_DIR may be absolute
/*) ABS_BUILD_DIR=$BUILD_DIR ;;
*) ABS_BUILD_DIR=$PWD/$BUILD_DIR ;;
esac
RUNS=${FUZZ_RUNS:-100000}
SECONDS_EACH=${FUZZ_SECONDS:-15}
# A fixed seed by default: the tests explore the same inputs on every run,
# so a green CI cannot turn red by chance (and a red one reproduces).
# FUZZ_SEED=0 draws a fresh seed, as a longer hunt should.
SEED=${FUZZ_SEED:-1}
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

# The artifact of fuzz-c-api and fuzz-artifact: plain code, compiled by the
# main build's spotlight-compile.
COMPILE=${SPOTLIGHT_COMPILE:-build/bin/spotlight-compile}
ARTIFACT="$BUILD_DIR/fuzz/artifact-cpu.spt"
# fuzz-paged's second artifact: another element type, selection mode and
# page size (bf16 pools, a token set per query head, pages of 3 slots).
PAGED_ARTIFACT="$BUILD_DIR/fuzz/artifact-cpu-paged.spt"
needs_artifact=0 needs_paged_artifact=0
for name in "${targets[@]}"; do
  case "$name" in fuzz-c-api|fuzz-paged|fuzz-artifact) needs_artifact=1 ;; esac
  case "$name" in fuzz-paged) needs_paged_artifact=1 ;; esac
done
if ((needs_artifact)) && [ ! -x "$COMPILE" ]; then
  if [ -z "${SPOTLIGHT_COMPILE:-}" ] && [ -f build/build.ninja ]; then
    ninja -C build ${FUZZ_JOBS:+-j "$FUZZ_JOBS"} spotlight-compile
  else
    echo "fuzz.sh: no spotlight-compile at $COMPILE: build the main tree" \
      "(scripts/setup.sh; ninja -C build spotlight-compile) or set" \
      "SPOTLIGHT_COMPILE" >&2
    exit 1
  fi
fi
if ((needs_artifact)) && { [ ! -f "$ARTIFACT" ] || [ "$COMPILE" -nt "$ARTIFACT" ]; }; then
  mkdir -p "$BUILD_DIR/fuzz"
  "$COMPILE" --target=cpu --qh 4 --kh 2 -d 64 --dtype f32 --budget 16 \
    --max-tokens 512 -o "$ARTIFACT"
fi
if ((needs_paged_artifact)) &&
   { [ ! -f "$PAGED_ARTIFACT" ] || [ "$COMPILE" -nt "$PAGED_ARTIFACT" ]; }; then
  mkdir -p "$BUILD_DIR/fuzz"
  "$COMPILE" --target=cpu --qh 4 --kh 2 -d 64 --dtype bf16 --weight-dtype f16 \
    --mode head --code-heads kh --page-size 3 --sink 2 --window 3 \
    --budget 0.25 --min-budget 4 --max-tokens 200 -o "$PAGED_ARTIFACT"
fi
export SPOTLIGHT_FUZZ_ARTIFACT=$ABS_BUILD_DIR/fuzz/artifact-cpu.spt
if ((needs_paged_artifact)); then
  export SPOTLIGHT_FUZZ_PAGED_ARTIFACT=$ABS_BUILD_DIR/fuzz/artifact-cpu-paged.spt
fi

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
  max_len=${FUZZ_MAX_LEN:-4096}
  case "$name" in
  fuzz-dialect) max_len=${FUZZ_MAX_LEN:-8192} ;; # the examples' modules
  fuzz-artifact)
    # The whole artifact as a raw file (mode byte 0, ArtifactFuzzer.cpp), a
    # seed kept with the work corpus.
    { printf '\0'; cat "$ARTIFACT"; } >"$work/valid-artifact"
    max_len=${FUZZ_MAX_LEN:-$(($(stat -c %s "$ARTIFACT") + 1))} ;;
  esac
  dict=()
  if [ -f "fuzz/$name.dict" ]; then
    dict=(-dict="fuzz/$name.dict")
  fi
  if "$fuzzer" -seed="$SEED" -runs="$RUNS" -max_total_time="$SECONDS_EACH" \
       -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
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
