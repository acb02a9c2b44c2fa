#!/usr/bin/env bash
# The main job: build, compile a Qwen2.5-7B decode module (QH=28, KH=4,
# D=128, bf16, one hash MLP per query head, 2% budget) ahead of time into a
# runtime artifact, then run it through the runtime on a 32K-token cache on
# the CPU, printing the selected count, sparse vs dense time and the error
# of the sparse output against dense attention. Extra flags go to
# spotlight-run (see `spotlight-run --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
ninja -C "$BUILD_DIR" spotlight-compile spotlight-run
"$BUILD_DIR/bin/spotlight-compile" --model qwen2.5-7b -o "$BUILD_DIR/qwen2.5-7b.spt"
exec "$BUILD_DIR/bin/spotlight-run" "$BUILD_DIR/qwen2.5-7b.spt" --tokens 32768 --repeat 5 "$@"
