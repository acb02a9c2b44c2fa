#!/usr/bin/env bash
# Builds everything and runs every test (lit + GoogleTest) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh "$@"
BUILD_DIR=${BUILD_DIR:-build}
ninja -C "$BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure
