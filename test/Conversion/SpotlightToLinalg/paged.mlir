// RUN: spotlight-opt %s --convert-spotlight-to-linalg | FileCheck %s
// RUN: spotlight-opt %s --convert-spotlight-to-linalg | FileCheck %s --check-prefix=NO-SPOTLIGHT

// NO-SPOTLIGHT-NOT: spotlight.

// cache_write copies token row i into the pool slot (page, offset).
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (0, d0, d1)>
// CHECK-DAG: #[[$SLOT:.+]] = affine_map<(d0, d1) -> (0, 0, d0, d1)>
// CHECK-DAG: #[[$CROW:.+]] = affine_map<(d0, d1, d2) -> (0, d0, d1, d2)>
// CHECK-DAG: #[[$CSLOT:.+]] = affine_map<(d0, d1, d2) -> (0, 0, d0, d1, d2)>

// The paged forms run the contiguous computation once per sequence: an
// scf.for over the batch reads N = seq_lens[b], gathers the sequence's
// N rows in logical order through its block table into a [1, KH, N, ...]
// buffer (so no table entry past its pages is read), and the contiguous
// lowering then works on that buffer and on the batch-1 slices of the
// other operands.

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

// The histogram is allocated once, outside the loop over the sequences; the
// query codes of sequence b are regrouped per KV head in place (a strided
// view), and the selection writes row b of the output.
// CHECK-LABEL: func.func @paged_topk
// CHECK-SAME:    (%[[QC:[^:]+]]: memref<2x8x1x2xi32>, %[[POOL:[^:]+]]: memref<?x16x2x4x2xi32>, %[[BT:[^:]+]]: memref<2x?xi32>, %[[SL:[^:]+]]: memref<2xi32>, %[[OUT:[^:]+]]: memref<2x2x30xi32>)
// CHECK:         %[[HIST:.+]] = memref.alloca() : memref<257xindex>
// CHECK:         scf.for %[[SEQ:[^ ]+]] =
// CHECK:           %[[LEN:.+]] = memref.load %[[SL]][%[[SEQ]]] : memref<2xi32>
// CHECK:           %[[NONNEG:.+]] = arith.maxsi %[[LEN]], %{{.+}} : i32
// CHECK:           %[[N:.+]] = arith.index_cast %[[NONNEG]] : i32 to index
// CHECK:           %[[CODES:.+]] = memref.alloc(%[[N]]) : memref<1x2x?x4x2xi32>
// CHECK:           linalg.generic {{.+}} outs(%[[CODES]] : memref<1x2x?x4x2xi32>)
// CHECK-DAG:         %[[H:.+]] = linalg.index 1 : index
// CHECK-DAG:         %[[T:.+]] = linalg.index 2 : index
// CHECK-DAG:         %[[C:.+]] = linalg.index 3 : index
// CHECK-DAG:         %[[W:.+]] = linalg.index 4 : index
// CHECK:             %[[LOGICAL_PAGE:.+]] = arith.divui %[[T]], %[[PS:.+]] : index
// CHECK:             %[[ENTRY:.+]] = memref.load %[[BT]][%[[SEQ]], %[[LOGICAL_PAGE]]] : memref<2x?xi32>
// CHECK:             %[[PAGE:.+]] = arith.index_cast %[[ENTRY]] : i32 to index
// CHECK:             %[[OFFSET:.+]] = arith.remui %[[T]], %[[PS]] : index
// CHECK:             %[[CODE:.+]] = memref.load %[[POOL]][%[[PAGE]], %[[OFFSET]], %[[H]], %[[C]], %[[W]]] : memref<?x16x2x4x2xi32>
// CHECK:             linalg.yield %[[CODE]] : i32
// CHECK:           %[[QROW:.+]] = memref.subview %[[QC]][%[[SEQ]], 0, 0, 0] [1, 8, 1, 2] [1, 1, 1, 1] : memref<2x8x1x2xi32> to memref<1x8x1x2xi32, strided<[16, 2, 2, 1], offset: ?>>
// CHECK:           %[[GROUPED:.+]] = memref.expand_shape %[[QROW]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 4, 1, 2] : memref<1x8x1x2xi32, strided<[16, 2, 2, 1], offset: ?>> into memref<1x2x4x1x2xi32, strided<[16, 8, 2, 2, 1], offset: ?>>
// CHECK:           %[[SCORES:.+]] = memref.alloc(%[[N]]) : memref<1x2x?xi32>
// CHECK:           linalg.generic {{.+}} ins(%[[GROUPED]], %[[CODES]] : {{.+}}) outs(%[[SCORES]] : memref<1x2x?xi32>)
// CHECK:             math.ctpop
// CHECK:           %[[ROW:.+]] = memref.subview %[[OUT]][%[[SEQ]], 0, 0] [1, 2, 30] [1, 1, 1] : memref<2x2x30xi32> to memref<1x2x30xi32, strided<[60, 30, 1], offset: ?>>
// CHECK:           arith.cmpi sle
// CHECK:           scf.if
// CHECK:             memref.store %{{.+}}, %[[ROW]]
// CHECK:           } else {
// CHECK:             memref.store %{{.+}}, %[[HIST]]
// CHECK:             scf.while
// CHECK:             memref.store %{{.+}}, %[[ROW]]
// CHECK-NOT:     memref.alloca
// CHECK:         return
func.func @paged_topk(%qc: memref<2x8x1x2xi32>, %pool: memref<?x16x2x4x2xi32>,
    %bt: memref<2x?xi32>, %sl: memref<2xi32>, %out: memref<2x2x30xi32>) {
  spotlight.hamming_topk group
      ins(%qc, %pool : memref<2x8x1x2xi32>, memref<?x16x2x4x2xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x2x30xi32>)
      {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// Head mode: the query codes of sequence b are used as they are.
// CHECK-LABEL: func.func @paged_topk_head
// CHECK:         memref.alloca() : memref<65xindex>
// CHECK:         scf.for
// CHECK:           memref.alloc(%{{.+}}) : memref<1x2x?x1x2xi32>
// CHECK-NOT:       memref.expand_shape
// CHECK:           memref.alloc(%{{.+}}) : memref<1x8x?xi32>
// CHECK:           math.ctpop
// CHECK:         return
func.func @paged_topk_head(%qc: memref<2x8x1x2xi32>, %pool: memref<?x16x2x1x2xi32>,
    %bt: memref<2x?xi32>, %sl: memref<2xi32>, %out: memref<2x8x?xi32>) {
  spotlight.hamming_topk head
      ins(%qc, %pool : memref<2x8x1x2xi32>, memref<?x16x2x1x2xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x?xi32>) {budget = 0.25 : f64, min_budget = 8 : i64}
  return
}

//===----------------------------------------------------------------------===//
// sparse_attention / decode_attention
//===----------------------------------------------------------------------===//

// A sequence of 0 tokens writes a zero row (its -1 slots would read token
// 0, which it does not have); otherwise K and V are gathered and the
// contiguous attention runs on row b of q, the indices and the output.
// CHECK-LABEL: func.func @paged_sparse
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<2x8x64xbf16>, %[[KP:[^:]+]]: memref<?x16x2x64xbf16>, %[[VP:[^:]+]]: memref<?x16x2x64xbf16>, %[[IDX:[^:]+]]: memref<2x2x30xi32>, %[[BT:[^:]+]]: memref<2x?xi32>, %[[SL:[^:]+]]: memref<2xi32>, %[[OUT:[^:]+]]: memref<2x8x64xbf16>)
// CHECK:         scf.for %[[SEQ:[^ ]+]] =
// CHECK:           %[[LEN:.+]] = memref.load %[[SL]][%[[SEQ]]]
// CHECK:           %[[N:.+]] = arith.index_cast
// CHECK:           %[[ROW:.+]] = memref.subview %[[OUT]][%[[SEQ]], 0, 0] [1, 8, 64] [1, 1, 1]
// CHECK:           %[[EMPTY:.+]] = arith.cmpi eq, %[[N]], %{{.+}} : index
// CHECK:           scf.if %[[EMPTY]] {
// CHECK:             linalg.fill ins(%{{.+}} : bf16) outs(%[[ROW]] :
// CHECK:           } else {
// CHECK:             %[[QROW:.+]] = memref.subview %[[Q]][%[[SEQ]], 0, 0] [1, 8, 64] [1, 1, 1]
// CHECK:             %[[K:.+]] = memref.alloc(%[[N]]) : memref<1x2x?x64xbf16>
// CHECK:             linalg.generic {{.+}} outs(%[[K]] :
// CHECK:               memref.load %[[BT]][%[[SEQ]], %{{.+}}] : memref<2x?xi32>
// CHECK:               memref.load %[[KP]][
// CHECK:             %[[V:.+]] = memref.alloc(%[[N]]) : memref<1x2x?x64xbf16>
// CHECK:             linalg.generic {{.+}} outs(%[[V]] :
// CHECK:               memref.load %[[BT]][%[[SEQ]], %{{.+}}] : memref<2x?xi32>
// CHECK:               memref.load %[[VP]][
// CHECK:             %[[IROW:.+]] = memref.subview %[[IDX]][%[[SEQ]], 0, 0] [1, 2, 30] [1, 1, 1]
// Logits: q[b] . K_b[h, idx[m]], the index row of sequence b.
// CHECK:             linalg.generic {{.+}} ins(%[[QROW]], %[[IROW]] :
// CHECK:               memref.load %[[K]][
// CHECK:             linalg.generic {{.+}} ins(%{{.+}}, %[[IROW]] :
// CHECK:               arith.select
// CHECK:             math.exp
// Weighted values, then o[b] = acc / sum in bf16.
// CHECK:             linalg.generic {{.+}} ins(%{{.+}}, %[[IROW]] :
// CHECK:               memref.load %[[V]][
// CHECK:             linalg.generic {{.+}} outs(%[[ROW]] :
// CHECK:               arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return
func.func @paged_sparse(%q: memref<2x8x64xbf16>, %k: memref<?x16x2x64xbf16>,
    %v: memref<?x16x2x64xbf16>, %idx: memref<2x2x30xi32>, %bt: memref<2x?xi32>,
    %sl: memref<2xi32>, %out: memref<2x8x64xbf16>) {
  spotlight.sparse_attention
      ins(%q, %k, %v, %idx : memref<2x8x64xbf16>, memref<?x16x2x64xbf16>,
          memref<?x16x2x64xbf16>, memref<2x2x30xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x64xbf16>)
  return
}

// Dense: the slots of sequence b are its N = seq_lens[b] tokens.
// CHECK-LABEL: func.func @paged_dense
// CHECK:         scf.for
// CHECK:           %[[N:.+]] = arith.index_cast
// CHECK:           scf.if
// CHECK:             linalg.fill
// CHECK:           } else {
// CHECK:             memref.alloc(%[[N]]) : memref<1x2x?x64xf32>
// CHECK:             memref.alloc(%[[N]]) : memref<1x2x?x64xf32>
// CHECK:             %[[LOGITS:.+]] = memref.alloc(%[[N]]) : memref<1x8x?xf32>
// CHECK:             linalg.generic {{.+}} outs(%[[LOGITS]] : memref<1x8x?xf32>)
// CHECK:         return
func.func @paged_dense(%q: memref<2x8x64xf32>, %k: memref<?x16x2x64xf32>,
    %v: memref<?x16x2x64xf32>, %bt: memref<2x?xi32>, %sl: memref<2xi32>,
    %out: memref<2x8x64xf32>) {
  spotlight.decode_attention
      ins(%q, %k, %v : memref<2x8x64xf32>, memref<?x16x2x64xf32>,
          memref<?x16x2x64xf32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x64xf32>)
  return
}

//===----------------------------------------------------------------------===//
// cache_write
//===----------------------------------------------------------------------===//

// Token i goes to [slot / page_size, slot % page_size] of each pool, a
// negative slot skips it, and nothing else of the pools is written.
// CHECK-LABEL: func.func @cache_write
// CHECK-SAME:    (%[[K:[^:]+]]: memref<?x2x64xf32>, %[[V:[^:]+]]: memref<?x2x64xf32>, %[[C:[^:]+]]: memref<?x2x1x2xi32>, %[[SLOTS:[^:]+]]: memref<?xi32>, %[[KP:[^:]+]]: memref<?x16x2x64xf32>, %[[VP:[^:]+]]: memref<?x16x2x64xf32>, %[[CP:[^:]+]]: memref<?x16x2x1x2xi32>)
// CHECK-DAG:     %[[PS:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[T:.+]] = memref.dim %[[SLOTS]], %{{.+}} : memref<?xi32>
// CHECK:         scf.for %[[I:[^ ]+]] = %{{.+}} to %[[T]]
// CHECK:           %[[SLOT:.+]] = memref.load %[[SLOTS]][%[[I]]] : memref<?xi32>
// CHECK:           %[[STORED:.+]] = arith.cmpi sge, %[[SLOT]], %{{.+}} : i32
// CHECK:           scf.if %[[STORED]] {
// CHECK:             %[[AT:.+]] = arith.index_cast %[[SLOT]] : i32 to index
// CHECK:             %[[PAGE:.+]] = arith.divui %[[AT]], %[[PS]] : index
// CHECK:             %[[OFFSET:.+]] = arith.remui %[[AT]], %[[PS]] : index
// CHECK:             %[[KROW:.+]] = memref.subview %[[K]][%[[I]], 0, 0] [1, 2, 64] [1, 1, 1]
// CHECK:             %[[KSLOT:.+]] = memref.subview %[[KP]][%[[PAGE]], %[[OFFSET]], 0, 0] [1, 1, 2, 64] [1, 1, 1, 1]
// CHECK:             linalg.generic {indexing_maps = [#[[$ROW]], #[[$SLOT]]], iterator_types = ["parallel", "parallel"]} ins(%[[KROW]] : {{.+}}) outs(%[[KSLOT]] :
// CHECK:             memref.subview %[[V]][%[[I]], 0, 0]
// CHECK:             memref.subview %[[VP]][%[[PAGE]], %[[OFFSET]], 0, 0]
// CHECK:             linalg.generic
// CHECK:             memref.subview %[[C]][%[[I]], 0, 0, 0] [1, 2, 1, 2]
// CHECK:             memref.subview %[[CP]][%[[PAGE]], %[[OFFSET]], 0, 0, 0] [1, 1, 2, 1, 2]
// CHECK:             linalg.generic {indexing_maps = [#[[$CROW]], #[[$CSLOT]]]
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @cache_write(%k: memref<?x2x64xf32>, %v: memref<?x2x64xf32>,
    %c: memref<?x2x1x2xi32>, %s: memref<?xi32>, %kp: memref<?x16x2x64xf32>,
    %vp: memref<?x16x2x64xf32>, %cp: memref<?x16x2x1x2xi32>) {
  spotlight.cache_write
      ins(%k, %v, %c, %s : memref<?x2x64xf32>, memref<?x2x64xf32>,
          memref<?x2x1x2xi32>, memref<?xi32>)
      outs(%kp, %vp, %cp : memref<?x16x2x64xf32>, memref<?x16x2x64xf32>,
           memref<?x16x2x1x2xi32>)
  return
}

// On tensors the pass bufferizes first: the three results are the pools,
// updated in place (no copy of a pool).
// CHECK-LABEL: func.func @cache_write_on_tensors
// CHECK-SAME:    %[[KP:[^:]+]]: memref<?x16x2x64xf32>, %[[VP:[^:]+]]: memref<?x16x2x64xf32>, %[[CP:[^:]+]]: memref<?x16x2x1x2xi32>)
// CHECK-NOT:     memref.copy
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
// CHECK:         return %[[KP]], %[[VP]], %[[CP]]
func.func @cache_write_on_tensors(%k: tensor<?x2x64xf32>, %v: tensor<?x2x64xf32>,
    %c: tensor<?x2x1x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>,
    %vp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x1x2xi32>)
    -> (tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x1x2xi32>) {
  %0:3 = spotlight.cache_write
      ins(%k, %v, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xf32>,
          tensor<?x2x1x2xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>,
           tensor<?x16x2x1x2xi32>)
  return %0#0, %0#1, %0#2
      : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x1x2xi32>
}
