#!/usr/bin/env bash
# Installs the Debian packages Spotlight builds with (only when missing) and
# configures the build directory. Idempotent; used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-packages.sh cmake ninja-build g++ llvm-22-dev libmlir-22-dev \
  mlir-22-tools llvm-22-tools libgtest-dev libbenchmark-dev python3 \
  python3-torch python3-pytest python3-numpy

BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "$@"
fi
