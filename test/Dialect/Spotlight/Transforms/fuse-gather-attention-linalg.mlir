// RUN: spotlight-opt %s -split-input-file --spotlight-fuse-gather-attention -verify-diagnostics | FileCheck %s

// The linalg form of attention (docs/Semantics.md, "The linalg form") over
// rows copied out with sparse_gather: QH = 4, S = KH = 2, M = 16, D = 64.
// Scores of empty (-1) slots are set to the float's lowest before the
// softmax, so they weigh exactly 0 and an all-empty row averages the zero
// rows to 0: masked_attention, which fuses into sparse_attention.

#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#e3 = affine_map<(b, h, n) -> (b, h, n)>
#m3 = affine_map<(b, h, n) -> (b, h floordiv 2, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>

// CHECK-LABEL: func.func @masked_over_gathers
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x64xf32>, %[[K:.+]]: tensor<1x2x?x64xf32>, %[[V:.+]]: tensor<1x2x?x64xf32>, %[[IDX:.+]]: tensor<1x2x16xi32>)
// CHECK-NOT:     linalg
// CHECK-NOT:     spotlight.sparse_gather
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : {{.*}}) outs(%{{.+}} : tensor<1x4x64xf32>) {scale = 1.250000e-01 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @masked_over_gathers(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>) -> tensor<1x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %scale = arith.constant 8.0 : f32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kr = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vr = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %se = tensor.empty() : tensor<1x4x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kr : tensor<1x4x64xf32>, tensor<1x2x16x64xf32>) outs(%s0 : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %ss = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x16xf32>) outs(%se : tensor<1x4x16xf32>) {
  ^bb0(%x: f32, %unused: f32):
    %y = arith.divf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [#e3, #m3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ss, %idx : tensor<1x4x16xf32>, tensor<1x2x16xi32>) outs(%se : tensor<1x4x16xf32>) {
  ^bb0(%x: f32, %i: i32, %unused: f32):
    %ok = arith.cmpi sge, %i, %c0 : i32
    %y = arith.select %ok, %x, %lowest : f32
    linalg.yield %y : f32
  } -> tensor<1x4x16xf32>
  %p = linalg.softmax dimension(2) ins(%sm : tensor<1x4x16xf32>) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<1x4x16xf32>, tensor<1x2x16x64xf32>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// -----

#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#e3 = affine_map<(b, h, n) -> (b, h, n)>
#m3 = affine_map<(b, h, n) -> (b, h floordiv 2, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>

// Not matched: -inf for the masked scores gives NaN for a row with every
// slot empty, where sparse_attention gives 0. The mask written as
// `idx < 0 ? fill : s` is read too.
// CHECK-LABEL: func.func @minus_infinity_fill
// CHECK:         spotlight.sparse_gather
// CHECK:         linalg.softmax
func.func @minus_infinity_fill(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>) -> tensor<1x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kr = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vr = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %se = tensor.empty() : tensor<1x4x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kr : tensor<1x4x64xf32>, tensor<1x2x16x64xf32>) outs(%s0 : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [#e3, #m3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %idx : tensor<1x4x16xf32>, tensor<1x2x16xi32>) outs(%se : tensor<1x4x16xf32>) {
  ^bb0(%x: f32, %i: i32, %unused: f32):
    %empty = arith.cmpi slt, %i, %c0 : i32
    %y = arith.select %empty, %ninf, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x4x16xf32>
  // expected-remark @+1 {{spotlight-fuse-gather-attention: not fused: the masked score is -inf: it must be finite and at most -1e30}}
  %p = linalg.softmax dimension(2) ins(%sm : tensor<1x4x16xf32>) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<1x4x16xf32>, tensor<1x2x16x64xf32>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// -----

#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>

// Not matched: no mask, so the zero rows of empty slots would take weight.
// CHECK-LABEL: func.func @unmasked_over_gathers
// CHECK:         linalg.softmax
func.func @unmasked_over_gathers(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>) -> tensor<1x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kr = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vr = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %se = tensor.empty() : tensor<1x4x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kr : tensor<1x4x64xf32>, tensor<1x2x16x64xf32>) outs(%s0 : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  // expected-remark @+1 {{spotlight-fuse-gather-attention: not fused: no mask}}
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x4x16xf32>) outs(%se : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<1x4x16xf32>, tensor<1x2x16x64xf32>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// -----

// Gather of gathered rows: one gather of the cache, indices composed
// through the first gather's (an empty slot of either stays -1). S2 = 4
// rows read row s / 2 of the S1 = 2 inner rows.
// CHECK-LABEL: func.func @gather_of_gather
// CHECK-SAME:    (%[[K:.+]]: tensor<1x2x?x64xf32>, %[[I1:.+]]: tensor<1x2x16xi32>, %[[I2:.+]]: tensor<1x4x8xi32>)
// CHECK:         %[[I:.+]] = linalg.generic {{.*}} ins(%[[I2]] : tensor<1x4x8xi32>)
// CHECK:           %[[VALID:.+]] = arith.cmpi sge
// CHECK:           %[[ROW:.+]] = arith.divui
// CHECK:           %[[T:.+]] = tensor.extract %[[I1]][%{{.+}}, %[[ROW]], %{{.+}}] : tensor<1x2x16xi32>
// CHECK:           arith.select %[[VALID]], %[[T]], %{{.+}} : i32
// CHECK:         %[[R:.+]] = spotlight.sparse_gather ins(%[[K]], %[[I]] : tensor<1x2x?x64xf32>, tensor<1x4x8xi32>) outs(%{{.+}} : tensor<1x4x8x64xf32>)
// CHECK-NEXT:    return %[[R]]
func.func @gather_of_gather(%k: tensor<1x2x?x64xf32>, %i1: tensor<1x2x16xi32>, %i2: tensor<1x4x8xi32>) -> tensor<1x4x8x64xf32> {
  %e1 = tensor.empty() : tensor<1x2x16x64xf32>
  %r1 = spotlight.sparse_gather ins(%k, %i1 : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e1 : tensor<1x2x16x64xf32>)
  %e2 = tensor.empty() : tensor<1x4x8x64xf32>
  %r2 = spotlight.sparse_gather ins(%r1, %i2 : tensor<1x2x16x64xf32>, tensor<1x4x8xi32>) outs(%e2 : tensor<1x4x8x64xf32>)
  return %r2 : tensor<1x4x8x64xf32>
}

// -----

// Not composed: the rows come from elsewhere.
// CHECK-LABEL: func.func @gather_of_rows
// CHECK-NOT:     linalg.generic
// CHECK:         spotlight.sparse_gather
func.func @gather_of_rows(%rows: tensor<1x2x16x64xf32>, %i2: tensor<1x4x8xi32>) -> tensor<1x4x8x64xf32> {
  %e2 = tensor.empty() : tensor<1x4x8x64xf32>
  %r2 = spotlight.sparse_gather ins(%rows, %i2 : tensor<1x2x16x64xf32>, tensor<1x4x8xi32>) outs(%e2 : tensor<1x4x8x64xf32>)
  return %r2 : tensor<1x4x8x64xf32>
}

// -----

// Bufferized: left alone, with a remark.
func.func @bufferized(%q: memref<1x8x64xf32>, %kg: memref<1x2x16x64xf32>, %vg: memref<1x2x16x64xf32>, %idx: memref<1x2x16xi32>, %out: memref<1x8x64xf32>) {
  // expected-remark @+1 {{spotlight-fuse-gather-attention: not fused: it is bufferized}}
  spotlight.masked_attention ins(%q, %kg, %vg, %idx : memref<1x8x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16xi32>) outs(%out : memref<1x8x64xf32>)
  return
}
