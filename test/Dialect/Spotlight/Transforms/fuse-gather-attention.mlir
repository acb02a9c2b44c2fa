// RUN: spotlight-opt %s -split-input-file --spotlight-fuse-gather-attention | FileCheck %s
// RUN: spotlight-opt %s -split-input-file --spotlight-fuse-gather-attention=lower-unfused=false | FileCheck %s --check-prefix=KEEP
// RUN: spotlight-opt %s -split-input-file --spotlight-fuse-gather-attention -verify-diagnostics -o /dev/null

// Group selection (S = KH): the gathers of K and V with the mask's indices
// fuse into sparse_attention on the caches; the gathered copies go.
// CHECK-LABEL: func.func @fuse_group
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[K:.+]]: tensor<1x2x?x64xf32>, %[[V:.+]]: tensor<1x2x?x64xf32>, %[[IDX:.+]]: tensor<1x2x16xi32>, %[[INIT:.+]]: tensor<1x8x64xf32>)
// CHECK-NOT:     spotlight.sparse_gather
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%[[INIT]] : tensor<1x8x64xf32>) {scale = 1.250000e-01 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @fuse_group(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e0 = tensor.empty() : tensor<1x2x16x64xf32>
  %e1 = tensor.empty() : tensor<1x2x16x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e0 : tensor<1x2x16x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e1 : tensor<1x2x16x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>) outs(%init : tensor<1x8x64xf32>) {scale = 0.125 : f32}
  return %o : tensor<1x8x64xf32>
}

// -----

// Head selection (S = QH), bf16; a gathered copy with another user stays.
// CHECK-LABEL: func.func @fuse_head_gather_kept_for_its_other_user
// CHECK:         %[[KG:.+]] = spotlight.sparse_gather
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x8x128xbf16>, tensor<2x2x?x128xbf16>, tensor<2x2x?x128xbf16>, tensor<2x8x24xi32>)
// CHECK:         return %[[O]], %[[KG]]
func.func @fuse_head_gather_kept_for_its_other_user(%q: tensor<2x8x128xbf16>, %k: tensor<2x2x?x128xbf16>, %v: tensor<2x2x?x128xbf16>, %idx: tensor<2x8x24xi32>, %init: tensor<2x8x128xbf16>) -> (tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>) {
  %e = tensor.empty() : tensor<2x8x24x128xbf16>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<2x2x?x128xbf16>, tensor<2x8x24xi32>) outs(%e : tensor<2x8x24x128xbf16>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<2x2x?x128xbf16>, tensor<2x8x24xi32>) outs(%e : tensor<2x8x24x128xbf16>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>, tensor<2x8x24x128xbf16>, tensor<2x8x24xi32>) outs(%init : tensor<2x8x128xbf16>)
  return %o, %kg : tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>
}

// -----

// Not matched: the mask is not the gathers' indices. Without the fallback
// the masked_attention stays; with it, attention over the gathered rows
// with slot indices (mask >= 0 ? m : -1).
// KEEP-LABEL: func.func @mask_is_not_the_indices
// KEEP:         spotlight.masked_attention
// CHECK-LABEL: func.func @mask_is_not_the_indices
// CHECK-SAME:    (%{{.+}}: tensor<1x8x64xf32>, %{{.+}}: tensor<1x2x?x64xf32>, %{{.+}}: tensor<1x2x?x64xf32>, %{{.+}}: tensor<1x2x16xi32>, %[[MASK:.+]]: tensor<1x2x16xi32>
// CHECK:         %[[KG:.+]] = spotlight.sparse_gather
// CHECK:         %[[VG:.+]] = spotlight.sparse_gather
// CHECK:         %[[SLOTS:.+]] = linalg.generic {{.*}} ins(%[[MASK]] : tensor<1x2x16xi32>)
// CHECK:           %[[M:.+]] = linalg.index 2 : index
// CHECK:           arith.cmpi sge
// CHECK:           arith.select
// CHECK:         spotlight.sparse_attention ins(%{{.+}}, %[[KG]], %[[VG]], %[[SLOTS]] : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>)
// CHECK-NOT:     spotlight.masked_attention
func.func @mask_is_not_the_indices(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>, %mask: tensor<1x2x16xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %mask : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}

// -----

// Not matched: K and V gathered with different indices.
// KEEP-LABEL: func.func @different_indices
// KEEP:         spotlight.masked_attention
// CHECK-LABEL: func.func @different_indices
// CHECK-NOT:     spotlight.masked_attention
// CHECK:         spotlight.sparse_attention ins(%{{.+}} : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>)
func.func @different_indices(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %i0: tensor<1x2x16xi32>, %i1: tensor<1x2x16xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %i0 : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %i1 : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %i0 : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}

// -----

// Not matched: S = 2 is neither KH = 1 nor QH = 4 (sparse_attention has no
// such mode); rows of a dynamic M.
// CHECK-LABEL: func.func @sets_neither_kh_nor_qh
// CHECK:         linalg.generic
// CHECK:         spotlight.sparse_attention ins(%{{.+}} : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?xi32>)
func.func @sets_neither_kh_nor_qh(%q: tensor<1x4x64xf32>, %k: tensor<1x1x?x64xf32>, %v: tensor<1x1x?x64xf32>, %idx: tensor<1x2x?xi32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %c2 = arith.constant 2 : index
  %m = tensor.dim %idx, %c2 : tensor<1x2x?xi32>
  %e = tensor.empty(%m) : tensor<1x2x?x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<1x1x?x64xf32>, tensor<1x2x?xi32>) outs(%e : tensor<1x2x?x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<1x1x?x64xf32>, tensor<1x2x?xi32>) outs(%e : tensor<1x2x?x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?xi32>) outs(%init : tensor<1x4x64xf32>)
  return %o : tensor<1x4x64xf32>
}

// -----

// Not matched: bufferized ops are left alone (the pass runs on tensors).
// CHECK-LABEL: func.func @memrefs_untouched
// CHECK:         spotlight.masked_attention
func.func @memrefs_untouched(%q: memref<1x8x64xf32>, %kg: memref<1x2x16x64xf32>, %vg: memref<1x2x16x64xf32>, %idx: memref<1x2x16xi32>, %out: memref<1x8x64xf32>) {
  // expected-remark @+1 {{spotlight-fuse-gather-attention: not fused: it is bufferized}}
  spotlight.masked_attention ins(%q, %kg, %vg, %idx : memref<1x8x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16xi32>) outs(%out : memref<1x8x64xf32>)
  return
}

// -----

// Canonicalization: a hamming_topk whose count budget covers every token
// (N = 80 <= sink 4 + window 64 + k 20) selects all of them, so the sparse
// attention over it is the dense one. The selection itself stays (returned).
// CHECK-LABEL: func.func @budget_covers_every_token
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[K:.+]]: tensor<1x2x80x64xf32>, %[[V:.+]]: tensor<1x2x80x64xf32>
// CHECK:         %[[IDX:.+]] = spotlight.hamming_topk
// CHECK:         %[[O:.+]] = spotlight.decode_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x8x64xf32>, tensor<1x2x80x64xf32>, tensor<1x2x80x64xf32>)
// CHECK:         return %[[O]], %[[IDX]]
func.func @budget_covers_every_token(%q: tensor<1x8x64xf32>, %k: tensor<1x2x80x64xf32>, %v: tensor<1x2x80x64xf32>, %qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x80x4x2xi32>, %init: tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x2x88xi32>) {
  %e = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x80x4x2xi32>) outs(%e : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x80x64xf32>, tensor<1x2x80x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o, %idx : tensor<1x8x64xf32>, tensor<1x2x88xi32>
}

// -----

// Not canonicalized: N = 89 > 4 + 64 + 20 leaves tokens out.
// CHECK-LABEL: func.func @budget_leaves_tokens_out
// CHECK:         spotlight.sparse_attention
func.func @budget_leaves_tokens_out(%q: tensor<1x8x64xf32>, %k: tensor<1x2x89x64xf32>, %v: tensor<1x2x89x64xf32>, %qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x89x4x2xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x89x4x2xi32>) outs(%e : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x89x64xf32>, tensor<1x2x89x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}

// -----

// Not canonicalized: a dynamic N may exceed the budget.
// CHECK-LABEL: func.func @dynamic_tokens
// CHECK:         spotlight.sparse_attention
func.func @dynamic_tokens(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%e : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}

// -----

// Fraction budget: k = max(20, floor(0.02 * 60)) = 20 and N = 60 <= 88.
// CHECK-LABEL: func.func @fraction_budget_covers_every_token
// CHECK:         spotlight.decode_attention
func.func @fraction_budget_covers_every_token(%q: tensor<1x8x64xf32>, %k: tensor<1x2x60x64xf32>, %v: tensor<1x2x60x64xf32>, %qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x60x4x2xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x8x100xi32>
  %idx = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x60x4x2xi32>) outs(%e : tensor<1x8x100xi32>) {budget = 0.02 : f64}
  %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x60x64xf32>, tensor<1x2x60x64xf32>, tensor<1x8x100xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}

// -----

// Not canonicalized: paged, the token counts are per sequence (run time),
// even though the pool's static size is below the budget.
// CHECK-LABEL: func.func @paged_budget
// CHECK:         spotlight.sparse_attention {{.*}} pages(
func.func @paged_budget(%q: tensor<2x8x64xf32>, %kp: tensor<4x16x2x64xf32>, %vp: tensor<4x16x2x64xf32>, %qc: tensor<2x8x1x2xi32>, %kc: tensor<4x16x2x4x2xi32>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %init: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %e = tensor.empty() : tensor<2x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<4x16x2x4x2xi32>) pages(%bt, %sl : tensor<2x4xi32>, tensor<2xi32>) outs(%e : tensor<2x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %kp, %vp, %idx : tensor<2x8x64xf32>, tensor<4x16x2x64xf32>, tensor<4x16x2x64xf32>, tensor<2x2x88xi32>) pages(%bt, %sl : tensor<2x4xi32>, tensor<2xi32>) outs(%init : tensor<2x8x64xf32>)
  return %o : tensor<2x8x64xf32>
}
