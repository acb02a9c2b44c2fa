#!/usr/bin/env bash
# Builds everything and runs every test (lit + GoogleTest) through ctest, then
# every libFuzzer target of fuzz/ for a bounded number of runs
# (scripts/fuzz.sh: build-fuzz/, under 2 minutes of fuzzing). SKIP_FUZZ=1
# leaves the fuzzers out.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh "$@"
BUILD_DIR=${BUILD_DIR:-build}
ninja -C "$BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  SPOTLIGHT_COMPILE="$BUILD_DIR/bin/spotlight-compile" ./scripts/fuzz.sh
fi
