// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu | FileCheck %s
// RUN: spotlight-opt %s --spotlight-gpu-to-ptx-pipeline | FileCheck %s --check-prefix=LAUNCHES
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu=emulate=true | FileCheck %s --check-prefix=EMULATE

// The paged decode step on the GPU: every launch covers the whole batch
// (grids over sequence x set or item x split, sized from the shapes: B and
// max_pages * page_size), each block reads its sequence's length
// (seq_lens[b]) on the device and its tokens through the block table.

// A paged step is four launches for any B: hash the queries, score (chunk
// histograms, nothing to clear first), select (count and write in one
// kernel), attend (the split combine folded into the last block of each
// item).
// LAUNCHES-LABEL: func.func @paged_step
// LAUNCHES-COUNT-4: gpu.launch_func
// LAUNCHES-NOT:     gpu.launch_func
// LAUNCHES:         return
// LAUNCHES-LABEL: func.func @paged_dense
// LAUNCHES-COUNT-1: gpu.launch_func
// LAUNCHES-NOT:     gpu.launch_func
// LAUNCHES:         return
// LAUNCHES-LABEL: func.func @paged_write
// LAUNCHES-COUNT-1: gpu.launch_func
// LAUNCHES-NOT:     gpu.launch_func
// LAUNCHES:         return

// One split counter per (sequence, KV head), zero at load and reset by the
// block that uses it last: nothing to clear before a step (steps of one
// module run in stream order: a paged step is the whole batch on one
// stream).
// CHECK:       memref.global "private" @[[COUNTERS:__spotlight_split_counters_16]] : memref<16xi32> = dense<0>

// CHECK-LABEL: func.func @paged_step
// CHECK-SAME:      %[[BT:[^:]+]]: memref<8x?xi32>, %[[SL:[^:]+]]: memref<8xi32>
// The query hash: one block per (query, code).
// CHECK:         gpu.launch
// CHECK:           math.exp
// CHECK:         %[[KC:.+]] = memref.collapse_shape %{{.+}} : memref<?x16x2x4x4xi32> into memref<?xi32>
// CHECK:         %[[TABLE:.+]] = memref.collapse_shape %[[BT]]
// CHECK:         %[[LENS:.+]] = memref.collapse_shape %[[SL]]
// Score: the sequence's length, then the page of each token from the block
// table, its code words in 16-byte loads.
// CHECK:         gpu.launch
// CHECK-SAME:      threads({{.+}}) in ({{.+}} = %c256
// CHECK:           memref.load %[[LENS]]
// CHECK:           arith.divui
// CHECK:           memref.load %[[TABLE]]
// CHECK:           vector.load %[[KC]][%{{.+}}] {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>
// CHECK:           math.ctpop
// CHECK-NOT:       memref.atomic_rmw addi %{{.+}}, %{{.+}} : (i32, memref<?xi32>)
// Select: no global atomics, no look-back wait: earlier chunks' histograms.
// CHECK:         gpu.launch
// CHECK:           memref.load %[[LENS]]
// CHECK-NOT:       memref.atomic_rmw addi %{{.+}}, %{{.+}} : (i32, memref<?xi32>)
// Attend: K/V rows through the block table only for held slots (scf.if),
// the combine in the last block of the item.
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             memref.load %{{.+}} : memref<?xi32>
// CHECK:             scf.yield
// CHECK:           } else {
// CHECK:           llvm.fence acq_rel
// CHECK:           memref.get_global @[[COUNTERS]]
// CHECK:           memref.atomic_rmw addi
// CHECK:           arith.divf
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @paged_step(%q: tensor<8x8x128xbf16>, %w1: tensor<8x128x128xbf16>,
    %b1: tensor<8x128xbf16>, %w2: tensor<8x128x128xbf16>,
    %b2: tensor<8x128xbf16>, %kc: tensor<?x16x2x4x4xi32>,
    %k: tensor<?x16x2x128xbf16>, %v: tensor<?x16x2x128xbf16>,
    %bt: tensor<8x?xi32>, %sl: tensor<8xi32>, %o: tensor<8x8x128xbf16>)
    -> tensor<8x8x128xbf16> {
  %qe = tensor.empty() : tensor<8x8x1x4xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<8x8x128xbf16>, tensor<8x128x128xbf16>,
          tensor<8x128xbf16>, tensor<8x128x128xbf16>, tensor<8x128xbf16>)
      outs(%qe : tensor<8x8x1x4xi32>)
  %ie = tensor.empty() : tensor<8x2x1024xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<8x8x1x4xi32>, tensor<?x16x2x4x4xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%ie : tensor<8x2x1024xi32>) {budget = 0.02 : f64}
  %r = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<8x8x128xbf16>, tensor<?x16x2x128xbf16>,
          tensor<?x16x2x128xbf16>, tensor<8x2x1024xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%o : tensor<8x8x128xbf16>)
  return %r : tensor<8x8x128xbf16>
}

// Dense over pages: splits of every sequence up to the static bound; a
// split past seq_lens[b] is idle. The same counters (same item count).
// CHECK-LABEL: func.func @paged_dense
// CHECK:         gpu.launch
// CHECK:           memref.get_global @[[COUNTERS]]
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @paged_dense(%q: tensor<8x8x128xbf16>, %k: tensor<?x16x2x128xbf16>,
    %v: tensor<?x16x2x128xbf16>, %bt: tensor<8x?xi32>, %sl: tensor<8xi32>,
    %o: tensor<8x8x128xbf16>) -> tensor<8x8x128xbf16> {
  %r = spotlight.decode_attention
      ins(%q, %k, %v : tensor<8x8x128xbf16>, tensor<?x16x2x128xbf16>,
          tensor<?x16x2x128xbf16>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%o : tensor<8x8x128xbf16>)
  return %r : tensor<8x8x128xbf16>
}

// cache_write: one block per new token; a token's rows of all KV heads are
// one run in each pool, copied in aligned 16-byte vectors (8 x bf16,
// 4 x i32); slot -1 leaves the block idle.
// CHECK-LABEL: func.func @paged_write
// CHECK:         gpu.launch
// CHECK-SAME:      threads({{.+}}) in ({{.+}} = %c128
// CHECK:           arith.cmpi sge
// CHECK:           scf.if
// CHECK:             vector.load %{{.+}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK:             vector.store %{{.+}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK:             vector.load %{{.+}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK:             vector.store %{{.+}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK:             vector.load %{{.+}} {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>
// CHECK:             vector.store %{{.+}} {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @paged_write(%nk: memref<?x2x128xbf16>, %nv: memref<?x2x128xbf16>,
    %nc: memref<?x2x4x4xi32>, %slots: memref<?xi32>,
    %k: memref<?x16x2x128xbf16>, %v: memref<?x16x2x128xbf16>,
    %kc: memref<?x16x2x4x4xi32>) {
  spotlight.cache_write ins(%nk, %nv, %nc, %slots : memref<?x2x128xbf16>,
      memref<?x2x128xbf16>, memref<?x2x4x4xi32>, memref<?xi32>)
      outs(%k, %v, %kc : memref<?x16x2x128xbf16>, memref<?x16x2x128xbf16>,
           memref<?x16x2x4x4xi32>)
  return
}

// The emulation runs the same bodies as loops, with no gpu ops and no
// fences (its blocks run one after another).
// EMULATE-LABEL: func.func @paged_step
// EMULATE-NOT:     gpu.
// EMULATE-NOT:     llvm.fence
// EMULATE:         memref.get_global
// EMULATE-NOT:     gpu.
// EMULATE:         return
