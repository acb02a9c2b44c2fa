#!/usr/bin/env bash
# bench/gpu/prepare.sh DIR, run HERE (LLVM/MLIR 22 and the CUDA toolkit):
# makes the bundle the GPU machine runs with `bench/gpu/check.sh DIR`, which
# needs no MLIR, no LLVM and no compiler there:
#   DIR/lib/libspotlight_runtime.so   the runtime (links neither)
#   DIR/artifacts/*.spt               sm_90 and sm_80 artifacts of the timed
#                                     geometry, sm_90 ones of the test suite
#   DIR/python/                       the spotlight package and its tests
#   DIR/check_torch.py                the checker (torch + the package)
# and checks that nothing in DIR needs libMLIR or libLLVM (ldd) and that DIR
# stays under 64 MiB (what travels to the GPU machine). DIR should be an
# ignored path (build-*/ is).
set -euo pipefail
DIR=${1:?usage: bench/gpu/prepare.sh DIR}
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
PYTHON=${SPOTLIGHT_PYTHON:-/usr/bin/python3}
CHIPS=${CHIPS:-sm_90 sm_80}
LIMIT=$((64 * 1024 * 1024))
die() { echo "prepare.sh: $*" >&2; exit 1; }

ninja -C "$BUILD_DIR" spotlight_runtime spotlight-compile
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
rm -rf "$DIR"
mkdir -p "$DIR/lib" "$DIR/artifacts"
DIR=$(cd "$DIR" && pwd)
cp "$BUILD_DIR/lib/libspotlight_runtime.so" "$DIR/lib/"
mkdir -p "$DIR/python"
cp -r python/spotlight python/tests "$DIR/python/"
find "$DIR/python" -name __pycache__ -prune -exec rm -rf {} +
cp bench/gpu/check_torch.py "$DIR/"

SPOTLIGHT_COMPILE=$BUILD_DIR/bin/spotlight-compile \
  "$PYTHON" bench/gpu/check_torch.py --bundle "$DIR" --prepare --chips "$CHIPS"

# Nothing may need MLIR or LLVM at run time.
for f in "$DIR"/lib/*.so "$DIR"/artifacts/*.spt; do
  if ldd "$f" 2>/dev/null | grep -E 'libMLIR|libLLVM'; then
    die "$f needs MLIR or LLVM"
  fi
done
size=$(du -sb "$DIR" | cut -f1)
((size < LIMIT)) || die "$DIR holds $size bytes, over 64 MiB"
git rev-parse HEAD > "$DIR/bundle.txt" 2>/dev/null || echo unknown > "$DIR/bundle.txt"
echo "prepare.sh: $DIR ready ($((size / 1024)) KiB, no libMLIR/libLLVM);" \
     "on the GPU machine: bench/gpu/check.sh $DIR"
