#!/usr/bin/env bash
# The GPU device check in one command, for a machine with an NVIDIA GPU:
# builds spotlight-check-gpu (Release, into build-gpu/), then checks the CUDA
# path against the naive reference on fresh random inputs and times it
# (bench/gpu/spotlight-check-gpu.cpp). Arguments go to the checker, e.g.
#   bench/gpu/check.sh --chip=sm_80 --tokens=32768,131072 --reps=10
# Installs nothing (the GPU machine has no network): LLVM/MLIR 22, CMake
# and the CUDA toolkit must be there (GoogleTest need not). The whole run stays under SPOTLIGHT_CHECK_BUDGET_S seconds
# (default 350, under 6 minutes).
set -euo pipefail
# bench/gpu/check.sh DIR: the bundle bench/gpu/prepare.sh made on the
# development machine; needs no MLIR, LLVM or compiler here (only torch).
if [ $# -ge 1 ] && [ -f "$1/bundle.txt" ]; then
  exec timeout -k 5 "${SPOTLIGHT_CHECK_BUDGET_S:-290}" \
    "${SPOTLIGHT_PYTHON:-python3}" "$1/check_torch.py" --bundle "$1" "${@:2}"
fi
cd "$(dirname "$0")/../.."

BUDGET=${SPOTLIGHT_CHECK_BUDGET_S:-350}
BUILD_DIR=${BUILD_DIR:-build-gpu}
LLVM=/usr/lib/llvm-22
START=$SECONDS
timings=()

die() { echo "check.sh: $*" >&2; exit 1; }
# Seconds left of the budget.
left() { echo $((BUDGET - (SECONDS - START))); }
# Runs "$@" under the rest of the budget (less `reserve` seconds kept for
# what follows; SIGKILL 5 s after SIGTERM, for a process stuck in the
# driver), timing it as step `name`.
step() {
  local name=$1 reserve=$2; shift 2
  local limit=$(($(left) - reserve - 5)) began=$SECONDS rc=0
  ((limit > 0)) || die "no time left for $name (budget ${BUDGET} s)"
  timeout -k 5 "$limit" "$@" || rc=$?
  timings+=("$name $((SECONDS - began)) s")
  if ((rc == 124 || rc == 137)); then
    echo "check.sh: $name timed out after ${limit} s" >&2
  fi
  return $rc
}
report() {
  local rc=$?
  echo "== time: ${timings[*]:-nothing ran}; total $((SECONDS - START)) s" \
       "(budget ${BUDGET} s); exit $rc"
}
trap report EXIT

# Preflight: what cannot be installed here must already be.
[ -d "$LLVM/lib/cmake/mlir" ] ||
  die "$LLVM/lib/cmake/mlir is missing: LLVM/MLIR 22 (llvm-22-dev," \
      "libmlir-22-dev, mlir-22-tools) must be installed; this script" \
      "installs nothing"
command -v cmake >/dev/null || die "cmake is missing"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# The toolkit compileArtifact looks for ($CUDA_HOME, $CUDA_PATH, $CUDA_ROOT,
# /usr/local/cuda); when only ptxas on the PATH shows where it is, say so.
if [ -z "${CUDA_HOME:-}${CUDA_PATH:-}${CUDA_ROOT:-}" ] &&
   [ ! -d /usr/local/cuda ] && command -v ptxas >/dev/null; then
  CUDA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v ptxas)")")")
  export CUDA_HOME
fi
echo "== CUDA toolkit: ${CUDA_HOME:-${CUDA_PATH:-${CUDA_ROOT:-/usr/local/cuda}}}" \
     "(ptxas: $(command -v ptxas || echo 'not on PATH'))"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi -L || true
else
  echo "== nvidia-smi not found"
fi

echo "== configure $BUILD_DIR"
mkdir -p "$BUILD_DIR"
step configure 120 cmake "${generator[@]}" -S . -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=Release -DMLIR_DIR="$LLVM/lib/cmake/mlir" \
  -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" >"$BUILD_DIR/check-configure.log" 2>&1 ||
  { tail -30 "$BUILD_DIR/check-configure.log"; die "configure failed (full log: $BUILD_DIR/check-configure.log)"; }

echo "== build spotlight-check-gpu (-j$(nproc))"
# Keep at least 90 s for the check itself.
step build 90 cmake --build "$BUILD_DIR" --target spotlight-check-gpu \
  -j "$(nproc)" >"$BUILD_DIR/check-build.log" 2>&1 ||
  { grep -E "error|Error" "$BUILD_DIR/check-build.log" | head -30
    tail -5 "$BUILD_DIR/check-build.log"
    die "build failed (full log: $BUILD_DIR/check-build.log)"; }

echo "== $BUILD_DIR/bin/spotlight-check-gpu --device=cuda $*"
step check 5 "$BUILD_DIR/bin/spotlight-check-gpu" --device=cuda "$@"
