#!/usr/bin/env bash
# The main job: build, then compile a Qwen2.5-7B decode module (QH=28, KH=4,
# D=128, bf16, hash MLP per query head) and run one decode step over a
# 32K-token cache on the CPU, printing the selected count, the error
# against dense attention and the time per step. Extra flags go to
# spotlight-run (see `spotlight-run --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
ninja -C "${BUILD_DIR:-build}" spotlight-run
exec "${BUILD_DIR:-build}/bin/spotlight-run" --model qwen2.5-7b --tokens 32768 "$@"
