// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu | FileCheck %s
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu=emulate=true | FileCheck %s --check-prefix=EMULATE
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu=map-threads=false | FileCheck %s --check-prefix=PHASES

// The contiguous form keeps its combine kernel: no split counters.
// CHECK-NOT:   memref.global

// Two kernels: score + shared histogram, stored whole per chunk (the key
// codes read W = 2 words at a time, aligned); then the selection per chunk
// (each block sums the row's histogram from the chunks', plans the row: a
// scan over bands of bins, and counts the earlier chunks' choices from
// their histograms). Nothing is cleared before them.
// CHECK-LABEL: func.func @topk_group
// CHECK:         %[[SCORES:.+]] = gpu.alloc (%{{.+}}) : memref<?xi16>
// CHECK:         %[[HIST:.+]] = gpu.alloc (%{{.+}}) : memref<?xi32>
// CHECK-NOT:     gpu.launch
// CHECK:         gpu.launch blocks({{.+}}) in ({{.+}} = %{{.+}}, {{.+}}) threads({{.+}}) in ({{.+}} = %c256
// CHECK-SAME:      workgroup(%[[SHARED:.+]] : memref<257xi32, #gpu.address_space<workgroup>>)
// CHECK:           vector.load %{{.+}} {alignment = 8 : i64} : memref<?xi32>, vector<2xi32>
// CHECK:           math.ctpop %{{.+}} : vector<2xi32>
// CHECK:           vector.reduction <add>
// CHECK:           memref.atomic_rmw addi %{{.+}}, %[[SHARED]]
// CHECK:           gpu.barrier
// CHECK-NOT:       memref.atomic_rmw
// CHECK:           memref.store %{{.+}}, %[[HIST]]
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup({{.+}} : memref<256xi32, #gpu.address_space<workgroup>>, {{.+}} : memref<256xi32, #gpu.address_space<workgroup>>, {{.+}} : memref<3xi32, #gpu.address_space<workgroup>>, {{.+}}, %[[BEFORE:.+]] : memref<2xi32, #gpu.address_space<workgroup>>, %[[ROWHIST:.+]] : memref<257xi32, #gpu.address_space<workgroup>>)
// CHECK:           memref.load %[[HIST]]
// CHECK:           memref.store %{{.+}}, %[[ROWHIST]]
// CHECK:           gpu.barrier
// CHECK:           memref.atomic_rmw addi %{{.+}}, %[[BEFORE]]
// CHECK:           gpu.barrier
// CHECK-NOT:     gpu.launch
// CHECK:         gpu.dealloc %[[SCORES]]
// CHECK:         gpu.dealloc %[[HIST]]
// CHECK-NOT:     memref.copy
// CHECK:         return

// The emulation: the same bodies in loops over blocks and threads, shared
// memory on the stack, no gpu ops.
// EMULATE-LABEL: func.func @topk_group
// EMULATE-NOT:     gpu.
// EMULATE:         memref.alloca() : memref<257xi32>
// EMULATE:         scf.for
// EMULATE:           scf.for
// EMULATE:             math.ctpop
// EMULATE:             memref.atomic_rmw addi
// EMULATE:         memref.alloca() : memref<256xi32>
// EMULATE-NOT:     gpu.
// EMULATE:         return
func.func @topk_group(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>) -> tensor<1x2x30xi32> {
  %init = tensor.empty() : tensor<1x2x30xi32>
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x2x30xi32>
}

// Head mode with one key code per KV head: the histogram holds D + 1 bins.
// CHECK-LABEL: func.func @topk_head
// CHECK:         gpu.launch
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup({{.+}} : memref<65xi32, #gpu.address_space<workgroup>>)
// EMULATE-LABEL: func.func @topk_head
// EMULATE:         memref.alloca() : memref<65xi32>
func.func @topk_head(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x1x2xi32>) -> tensor<1x8x?xi32> {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %kc, %c2 : tensor<1x2x?x1x2xi32>
  %init = tensor.empty(%n) : tensor<1x8x?xi32>
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x1x2xi32>) outs(%init : tensor<1x8x?xi32>) {budget = 2.000000e-02 : f64}
  return %0 : tensor<1x8x?xi32>
}

// Hashing: one block per (row, code), 128 threads (column j each).
// CHECK-LABEL: func.func @hash_keys
// CHECK:         gpu.launch {{.+}} threads({{.+}}) in ({{.+}} = %c128
// CHECK-SAME:      workgroup({{.+}} : memref<64xf32, #gpu.address_space<workgroup>>, {{.+}} : memref<64xf32, #gpu.address_space<workgroup>>, {{.+}} : memref<64xi32, #gpu.address_space<workgroup>>)
// CHECK:           math.exp
// CHECK:           gpu.barrier
// CHECK:           arith.shli
// CHECK:           arith.ori
// EMULATE-LABEL: func.func @hash_keys
// EMULATE-NOT:     gpu.launch
func.func @hash_keys(%k: tensor<1x2x?x64xbf16>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x?x4x2xi32>) -> tensor<1x2x?x4x2xi32> {
  %0 = spotlight.hash_encode ins(%k, %w1, %b1, %w2, %b2 : tensor<1x2x?x64xbf16>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x?x4x2xi32>)
  return %0 : tensor<1x2x?x4x2xi32>
}

// Attention: split-K partials (key rows read by clusters of lanes, summed
// with shuffles), then a combine kernel: the runtime runs the contiguous
// per-item artifacts on several streams at once, which module-wide split
// counters would not survive (the paged form folds the combine: paged.mlir).
// Value rows are read in 16-byte vectors too, by 8 row groups of 16 lanes,
// into accumulators each thread keeps across the split (4 heads x 4
// columns), summed over the row groups with shuffles at its end.
// CHECK-LABEL: func.func @dense_attention
// CHECK:         gpu.alloc
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup(
// CHECK:           %[[ACC:.+]] = memref.alloca() : memref<16xf32>
// CHECK:           vector.load %{{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:           gpu.shuffle xor
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           vector.load %{{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:           vector.store %{{.+}}, %[[ACC]]
// CHECK:           vector.load %[[ACC]][
// CHECK:           gpu.shuffle xor
// CHECK-NOT:       memref.get_global
// Before the mapping, every phase is a forall over the block's threads.
// PHASES-LABEL: func.func @dense_attention
// PHASES:         gpu.launch
// PHASES-NOT:       gpu.thread_id
// PHASES-NOT:       gpu.barrier
// PHASES:           scf.forall (%{{.+}}) in (128) {
// PHASES:           } {mapping = [#gpu.thread<x>]}
// PHASES-NOT:       gpu.barrier
// PHASES:         gpu.launch
// CHECK:         gpu.launch
// CHECK:           arith.divf
// CHECK:         gpu.dealloc
func.func @dense_attention(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %o: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%o : tensor<1x8x64xf32>)
  return %0 : tensor<1x8x64xf32>
}
