// RUN: spotlight-opt %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir --spotlight-reference-to-llvm-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: spotlight-opt %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir --spotlight-cpu-to-llvm-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: spotlight-opt %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir --spotlight-gpu-emulation-to-llvm-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: spotlight-opt %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir --spotlight-gpu-to-ptx-pipeline | FileCheck %s --check-prefix=PTX
// RUN: spotlight-compile --target=cuda --chip=sm_90 -emit=ptx %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX-FILE < %t.ptx
// The single-conversion stages fuse first too.
// RUN: spotlight-compile -emit=mlir-cpu %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir | FileCheck %s --check-prefix=STAGE
// RUN: spotlight-compile --target=cuda -emit=gpu %spotlight_src_root/examples/qwen2.5-7b-unfused.mlir | FileCheck %s --check-prefix=STAGE
// RUN: spotlight-opt %spotlight_src_root/examples/qwen2.5-7b-dense.mlir --spotlight-sparsify-attention --spotlight-cpu-to-llvm-pipeline | FileCheck %s --check-prefix=DENSE

// The unfused example (sparse_gather + masked_attention) compiles through
// every pipeline: each fuses it first, so no gathered copy is left, and the
// GPU pipeline (which has no sparse_gather kernel) accepts it.
// LLVM:     llvm.func @spotlight_decode
// LLVM-NOT: spotlight.
// PTX:      gpu.binary
// PTX-NOT:  spotlight.sparse_gather
// PTX-FILE: .entry
// DENSE:    llvm.func @spotlight_decode_dense
// STAGE-NOT: spotlight.sparse_gather
// STAGE-NOT: spotlight.masked_attention
