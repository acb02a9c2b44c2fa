#!/usr/bin/env bash
# The device check, run on the lent GPU machine as it is (CUDA, torch, no
# MLIR/LLVM, no network): bench/gpu/check.sh DIR, where DIR is the bundle
# bench/gpu/prepare.sh made here. In one call, under SPOTLIGHT_CHECK_BUDGET_S
# seconds (default 290): the package's pytest step test on CUDA (exact sets,
# SEMANTICS.md tolerances against the naive reference), then the timing
# table of DIR/check_torch.py (ours vs torch SDPA vs the published method in
# plain torch), printed and written to $OUT/gpu-check.md. Extra arguments
# go to check_torch.py (e.g. --device cpu for a smoke test here).
set -euo pipefail
DIR=${1:?usage: bench/gpu/check.sh DIR (a bundle from bench/gpu/prepare.sh)}
[ -f "$DIR/bundle.txt" ] ||
  { echo "check.sh: $DIR is not a bundle of bench/gpu/prepare.sh" >&2; exit 2; }
exec timeout -k 5 "${SPOTLIGHT_CHECK_BUDGET_S:-290}" \
  "${SPOTLIGHT_PYTHON:-python3}" "$DIR/check_torch.py" --bundle "$DIR" "${@:2}"
