//===- Passes.td - Spotlight conversion passes -------------*- tablegen -*-===//

#ifndef SPOTLIGHT_CONVERSION_PASSES
#define SPOTLIGHT_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertSpotlightToLinalg : Pass<"convert-spotlight-to-linalg"> {
  let summary = "Lower spotlight ops to linalg, tensor, scf and memref (the reference)";
  let description = [{
    The executable definition of the Spotlight semantics: every bufferized
    spotlight op (One-Shot Bufferize runs first; the pass runs it itself on
    a module still on tensors) becomes upstream ops only, writing its init buffer in place.
    Hashing, Hamming scoring and attention become `linalg.generic` ops on
    buffers (gathers are `memref.load` in the body, so no gathered copy
    exists; intermediates are `memref.alloc` buffers that the
    buffer-deallocation pipeline frees); the exact top-k selection
    (histogram threshold, then a compaction that gives ties to the most
    recent token) becomes scalar `scf` loops.

    ```mlir
    // before
    spotlight.hamming_topk group ins(%qc, %kc : memref<...>, memref<...>)
        outs(%idx : memref<...>)
    // after: linalg.generic (xor + ctpop scores), scf.for (select into %idx)
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def ConvertSpotlightToCPU : Pass<"convert-spotlight-to-cpu"> {
  let summary = "Lower spotlight ops to fused, vectorized CPU loops";
  let description = [{
    The fast CPU path. Every bufferized op (One-Shot Bufferize runs first,
    or in the pass on a module still on tensors) becomes `scf` loops over flat views of its buffers with 1-D `vector`
    bodies, writing its init buffer in place:
    - `hash_encode`: a register-tiled GEMM per code head over chunks of
      rows (96 at D = 128) widened to f32 once (tiles of 6 rows x 64 columns of
      FMAs, one weight load for 6 broadcast inputs), SiLU with a polynomial
      `exp` on whole vectors, sign bits packed by a `vector.bitcast` of the
      `i1` comparison;
    - `hamming_topk`: one pass over the middle tokens computing the score
      (XOR, NOT, `math.ctpop`, one reduction for the whole GQA group) and
      the score histogram together, the threshold from the histogram, and
      an ascending compaction, 64 scores a step, with the tie rule: O(N),
      no sort;
    - `hamming_scores` / `score_topk` (the same in two steps, with which
      the runtime scans one sequence's token ranges on different cores):
      the pass over a range into the caller's scores and histograms, then
      the ranges' histograms summed and the threshold and compaction;
    - `sparse_attention` / `decode_attention`: an online softmax in f32
      that reads each selected K/V row in place once for all query heads
      sharing it (no gathered copy).

    ```mlir
    // before
    spotlight.hamming_topk group ins(%qc, %kc : memref<...>, memref<...>)
        outs(%idx : memref<...>)
    // after: scf.for over tokens { vector.load; arith.xori; math.ctpop;
    //        vector.reduction <add>; histogram update }, threshold, compaction
    ```

    The attention loops are token-blocked and shaped for the vector ISA of
    the `cpu` option (`native`, the default, is the host; otherwise an LLVM
    CPU name such as `x86-64`, `haswell`, `skylake-avx512`, `znver4`):
    AVX-512 with BF16 computes bf16 `q.k` (and, with bf16 V, `p.v` on the
    softmax weights rounded to bf16) with `x86vector.avx512.dot`
    (`vdpbf16ps`), AVX-512 and AVX2 use f32 FMAs on 16 or 8 lanes, anything
    else generic 4-lane vectors.
  }];
  let options = [
    Option<"cpu", "cpu", "std::string", /*default=*/"\"native\"",
           "The CPU the code is for: native (the host) or an LLVM CPU name">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect"
  ];
}

def ConvertSpotlightToGPU : Pass<"convert-spotlight-to-gpu"> {
  let summary = "Lower spotlight ops to GPU kernels (gpu.launch)";
  let description = [{
    Every bufferized spotlight op (One-Shot Bufferize runs first, or in the
    pass on a module still on tensors) except
    `sparse_gather` becomes `gpu.launch` kernels that write its init buffer
    in place and whose scratch is `gpu.alloc` device memory; a new kernel starts only
    where a block would need the whole grid's result (docs/Rationale.md).
    `sparse_gather` is an error (the host never touches device memory), as
    is a geometry whose kernels would not fit a block's 48 KiB of shared
    memory:
    - `hash_encode`: a block per (row, code head), a thread per column;
    - `hamming_topk`: clear the histograms; score 4096 middle tokens per
      block (16-byte loads of the key codes, `popc` on 32-bit words, the
      G query codes of a group summed in registers) into 16-bit scores and
      a shared-memory histogram merged with atomics; then the exact O(N)
      selection, count and write per chunk, each block planning its row
      (the threshold from the histogram, by a scan over bands of bins)
      before it counts, or places its choices after the earlier chunks'
      and threads' (ordered writes with the tie rule);
    - `sparse_attention` / `decode_attention`: split-K flash decoding,
      K/V rows read by index in place (no gathered copy), online softmax
      in f32, then a kernel combining the splits.

    A kernel is written as phases between block-wide barriers, each an
    `scf.forall` over the block's threads mapped to `#gpu.thread<x>`
    (upstream's form); the pass then maps them as
    `transform.gpu.map_nested_forall_to_threads` does (thread ids, a
    `gpu.barrier` after each phase). `map-threads=false` stops before that
    step, to inspect the kernels in their forall form.

    With `emulate=true` the same kernel bodies are emitted as loops over
    blocks and threads (the phases become sequential loops, shared memory a
    per-block `memref.alloca`), so the kernels run, and are tested against
    the reference, on a machine without a GPU; `sparse_gather` is then left
    to the CPU lowering.

    ```mlir
    spotlight.hamming_topk group ins(%qc, %kc : memref<...>, memref<...>)
        outs(%idx : memref<...>)
    // becomes: gpu.alloc ...; gpu.launch {...} (x4, writing %idx); gpu.dealloc ...
    ```
  }];
  let options = [
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Emulate the kernels with loops on the CPU (for testing)">,
    Option<"mapThreads", "map-threads", "bool", /*default=*/"true",
           "Map the kernels' thread phases (scf.forall on #gpu.thread<x>) "
           "to threads and barriers, or to loops when emulated">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def SpotlightMergeGPUModules : Pass<"spotlight-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Gather the outlined kernels into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per launch. This pass
    moves every kernel into a single `gpu.module @spotlight_kernels`,
    renaming each after its former module so names stay unique, and
    retargets the `gpu.launch_func` ops: one PTX module for the runtime to
    load and for `ptxas` to check.

    ```mlir
    // before: gpu.module @f_kernel { gpu.func @f_kernel } gpu.module @f_kernel_0 { ... }
    // after:  gpu.module @spotlight_kernels { gpu.func @f_kernel  gpu.func @f_kernel_0 }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def SpotlightGPUHostBuffers : Pass<"spotlight-gpu-host-buffers", "::mlir::func::FuncOp"> {
  let summary = "Put the buffers of GPU host functions in device memory";
  let description = [{
    One-Shot Bufferize, which runs before the GPU lowering, allocates the
    buffer of every intermediate result (an init that is not an output
    argument, e.g. the query codes and the selected indices between two
    kernels) with `memref.alloc`: host memory, which the kernels cannot
    write. This pass, run on the host functions (not the kernels), makes
    every `memref.alloc` a `gpu.alloc` and every `memref.dealloc` a
    `gpu.dealloc`, turns any `memref.copy` (a host memcpy that would read
    device memory) into a `gpu.memcpy`, and frees every `gpu.alloc` buffer
    the function does not free itself just before it returns (the functions
    return nothing; results leave through their output arguments, which the
    ops write in place). `gpu-async-region` then puts all of it on one
    stream.

    ```mlir
    // before
    %idx = memref.alloc() : memref<1x4x88xi32>
    gpu.launch_func ... args(%idx ...)
    gpu.launch_func ... args(%idx, %out ...)
    return
    // after
    %idx = gpu.alloc () : memref<1x4x88xi32>
    gpu.launch_func ... args(%idx ...)
    gpu.launch_func ... args(%idx, %out ...)
    gpu.dealloc %idx : memref<1x4x88xi32>
    return
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // SPOTLIGHT_CONVERSION_PASSES
