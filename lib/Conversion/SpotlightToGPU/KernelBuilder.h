//===- KernelBuilder.h - GPU kernels, or their CPU emulation ----*- C++ -*-===//
//
// A kernel is written once, as phases separated by block-wide barriers, and
// emitted either for the GPU or as an emulation on the CPU. A phase is
// upstream's form of a thread-parallel loop, an `scf.forall` mapped to
// `#gpu.thread<x>`, the same op in both:
//
//   GPU:        gpu.launch blocks(grid) threads(T) workgroup(shared...) {
//                 scf.forall (%thread) in (T) { phase 1 }
//                   {mapping = [#gpu.thread<x>]}
//                 scf.forall (%thread) in (T) { phase 2 } ...
//               }
//   Emulation:  shared = memref.alloca ...
//               scf.for block in [0, grid) {
//                 scf.forall (%thread) in (T) { phase 1 } ...
//               }
//
// After the conversion, `mapKernelThreads` maps them: on the GPU each forall
// becomes the body of every thread (its index gpu.thread_id x) followed by
// a gpu.barrier (upstream's mapNestedForallToThreadsImpl, as
// transform.gpu.map_nested_forall_to_threads); emulated, a sequential
// scf.for over the threads.
//
// Both run the same phase bodies, so the emulation, which executes on any
// machine, tests the kernels' arithmetic and their block-level cooperation
// (shared memory, atomics, barriers) against the reference without a GPU.
// Rules for kernel authors: nothing computed in one phase is used in a
// later phase except through memory (shared or global), and shared memory
// is written before it is read in every block.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_KERNELBUILDER_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_KERNELBUILDER_H

#include "../Utils/OpLowering.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::spotlight::gpu_lowering {

enum class KernelTarget { GPU, Emulation };

/// The target of `--convert-spotlight-to-gpu`'s `emulate` option.
inline KernelTarget kernelTarget(bool emulate) {
  return emulate ? KernelTarget::Emulation : KernelTarget::GPU;
}

/// A pattern lowering an op to kernels for one target.
template <typename OpTy>
struct KernelLowering : OpLowering<OpTy> {
  KernelLowering(MLIRContext *ctx, KernelTarget target)
      : OpLowering<OpTy>(ctx), target(target) {}

  KernelTarget target;
};

/// Static shared memory a block may use without opting in (CUDA, all
/// chips): larger kernels would build and then fail to launch.
constexpr int64_t kMaxSharedBytes = 48 * 1024;

class KernelBuilder {
public:
  /// Builds one kernel of `grid` blocks of `threads` threads with
  /// block-shared buffers of the given 1-D types (no memory space).
  /// `clusterValues`: the most f32 values one clusterSum carries per thread.
  /// `privateSizes`: f32 buffers each thread keeps across phases.
  KernelBuilder(ImplicitLocOpBuilder &b, KernelTarget target, Value grid,
                int64_t threads, ArrayRef<MemRefType> sharedTypes,
                int64_t clusterValues = 0,
                ArrayRef<int64_t> privateSizes = {});

  /// Emits the kernel; `body` calls blockId(), shared() and phase().
  void build(function_ref<void()> body);

  Value blockId() const { return block; }
  Value shared(unsigned i) const { return sharedBuffers[i]; }
  int64_t threadCount() const { return threads; }

  /// Private buffer i of `thread`, as a 1-D f32 memref and the index of
  /// its element 0. On the GPU each thread's own array (a memref.alloca,
  /// which LLVM keeps in registers when indexed by constants); emulated, the
  /// threads' arrays back to back in host memory. State that must survive
  /// a barrier without passing through shared memory lives here.
  std::pair<Value, Value> privateBuffer(unsigned i, Value thread);

  /// A barrier-free region that every thread of the block runs.
  void phase(function_ref<void(Value thread)> body);

  /// A phase in which clusters of `clusterSize` consecutive threads (a
  /// power of two, at most a warp) sum f32 values: `partial(thread)` gives
  /// each thread's values, `finish(thread, sums)` gets its cluster's sums
  /// (every thread of the cluster gets them). On the GPU one phase with
  /// gpu.shuffle xor butterflies (no shared memory); emulated, two phases
  /// through a scratch buffer, so nothing computed in `partial` may be
  /// used in `finish` but the sums.
  void clusterSum(int64_t clusterSize,
                  function_ref<SmallVector<Value>(Value thread)> partial,
                  function_ref<void(Value thread, ValueRange sums)> finish);

private:
  ImplicitLocOpBuilder &b;
  KernelTarget target;
  Value grid;
  int64_t threads;
  SmallVector<MemRefType> sharedTypes;
  int64_t clusterValues;
  SmallVector<int64_t> privateSizes;
  Value block;
  SmallVector<Value> sharedBuffers, privateBuffers;
  Value clusterScratch; ///< emulation: the values clusterSum exchanges
};

/// Maps the thread phases (`KernelBuilder::phase`) under `root` to `target`:
/// GPU threads with a barrier after each, or sequential loops. Fails, with
/// a diagnostic on the kernel, if upstream's mapping rejects one.
LogicalResult mapKernelThreads(Operation *root, KernelTarget target);

/// Scratch memory the kernels read and write: device memory on the GPU
/// (`gpu.alloc`, freed by `freeScratch`), host memory in the emulation.
Value allocScratch(ImplicitLocOpBuilder &b, KernelTarget target, Value size,
                   Type elementType);
void freeScratch(ImplicitLocOpBuilder &b, KernelTarget target, Value buffer);

} // namespace mlir::spotlight::gpu_lowering

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_KERNELBUILDER_H
