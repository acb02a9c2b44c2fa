// RUN: spotlight-opt %s --spotlight-sparsify-attention -verify-diagnostics | FileCheck %s
// RUN: spotlight-opt %s --spotlight-sparsify-attention="budget=1000" --spotlight-fuse-gather-attention 2>/dev/null | FileCheck %s --check-prefix=DENSE

// The dense decode attention in linalg form, as a frontend lowers
// scaled_dot_product_attention with one query token (docs/Semantics.md,
// "The linalg form"): QH = 4, KH = 2, D = 64.

#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#k4 = affine_map<(b, h, n, d) -> (b, h, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#e3 = affine_map<(b, h, n) -> (b, h, n)>
#m3 = affine_map<(b, h, n) -> (b, h floordiv 2, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#v4 = affine_map<(b, h, d, n) -> (b, h, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>

// CHECK: module attributes {spotlight.wants_key_codes}

// The GQA broadcast in the contractions' maps (h floordiv G), bf16 inputs
// accumulated in f32 and truncated at the end.
// CHECK-LABEL: func.func @grouped_maps_bf16
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x64xbf16>, %[[K:.+]]: tensor<1x2x?x64xbf16>, %[[V:.+]]: tensor<1x2x?x64xbf16>,
// CHECK-SAME:     %[[KC:[a-z0-9]+]]: tensor<1x2x?x2x2xi32> {spotlight.key_codes})
// CHECK:         %[[QC:.+]] = spotlight.hash_encode ins(%[[Q]],
// CHECK:         %[[IDX:.+]] = spotlight.hamming_topk group ins(%[[QC]], %[[KC]] :
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : {{.*}}) outs(%{{.+}} : tensor<1x4x64xbf16>) {scale = 1.250000e-01 : f32}
// CHECK-NOT:     linalg
// CHECK:         return %[[O]]
func.func @grouped_maps_bf16(%q: tensor<1x4x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x4x64xbf16> {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %k, %c2 : tensor<1x2x?x64xbf16>
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.125 : f32
  %se = tensor.empty(%n) : tensor<1x4x?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x?xf32>) -> tensor<1x4x?xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x64xbf16>, tensor<1x2x?x64xbf16>) outs(%s0 : tensor<1x4x?xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %a32 = arith.extf %a : bf16 to f32
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a32, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x?xf32>
  %ss = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x?xf32>) outs(%se : tensor<1x4x?xf32>) {
  ^bb0(%x: f32, %unused: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<1x4x?xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<1x4x?xf32>) outs(%se : tensor<1x4x?xf32>) -> tensor<1x4x?xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x?xf32>, tensor<1x2x?x64xbf16>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  %te = tensor.empty() : tensor<1x4x64xbf16>
  %t = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%o : tensor<1x4x64xf32>) outs(%te : tensor<1x4x64xbf16>) {
  ^bb0(%x: f32, %unused: bf16):
    %y = arith.truncf %x : f32 to bf16
    linalg.yield %y : bf16
  } -> tensor<1x4x64xbf16>
  return %t : tensor<1x4x64xbf16>
}

// The GQA broadcast as its own generic (repeat_kv), no scale op (scale 1),
// f32 throughout.
// CHECK-LABEL: func.func @repeat_kv_unscaled
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x4x64xf32>, %[[K:.+]]: tensor<2x2x16x64xf32>, %[[V:.+]]: tensor<2x2x16x64xf32>,
// CHECK:         spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %{{.+}} : {{.*}}) {scale = 1.000000e+00 : f32}
// CHECK-NOT:     linalg
// DENSE-LABEL: func.func @repeat_kv_unscaled
// DENSE:         spotlight.decode_attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<2x4x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>) outs(%{{.+}} : tensor<2x4x64xf32>) {scale = 1.000000e+00 : f32}
func.func @repeat_kv_unscaled(%q: tensor<2x4x64xf32>, %k: tensor<2x2x16x64xf32>, %v: tensor<2x2x16x64xf32>) -> tensor<2x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %re = tensor.empty() : tensor<2x4x16x64xf32>
  %kr = linalg.generic {indexing_maps = [#kg, #k4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<2x2x16x64xf32>) outs(%re : tensor<2x4x16x64xf32>) {
  ^bb0(%x: f32, %unused: f32):
    linalg.yield %x : f32
  } -> tensor<2x4x16x64xf32>
  %vr = linalg.generic {indexing_maps = [#kg, #k4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<2x2x16x64xf32>) outs(%re : tensor<2x4x16x64xf32>) {
  ^bb0(%x: f32, %unused: f32):
    linalg.yield %x : f32
  } -> tensor<2x4x16x64xf32>
  %se = tensor.empty() : tensor<2x4x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %s = linalg.generic {indexing_maps = [#k4, #q, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%kr, %q : tensor<2x4x16x64xf32>, tensor<2x4x64xf32>) outs(%s0 : tensor<2x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %m, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x4x16xf32>) outs(%se : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %oe = tensor.empty() : tensor<2x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #v4, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<2x4x16xf32>, tensor<2x4x16x64xf32>) outs(%o0 : tensor<2x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x4x64xf32>
  return %o : tensor<2x4x64xf32>
}

// Not matched: the scores start from a bias, not from zero.
// CHECK-LABEL: func.func @biased_scores
// CHECK:         linalg.softmax
func.func @biased_scores(%q: tensor<1x2x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %bias: tensor<1x2x8xf32>) -> tensor<1x2x64xf32> {
  %zero = arith.constant 0.0 : f32
  %s = linalg.generic {indexing_maps = [#q, #k4, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x64xf32>, tensor<1x2x8x64xf32>) outs(%bias : tensor<1x2x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  // expected-remark @+1 {{spotlight-sparsify-attention: not sparsified: linalg.softmax: the scores are not a zero-initialised contraction}}
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x2x8xf32>) outs(%bias : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %oe = tensor.empty() : tensor<1x2x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x64xf32>) -> tensor<1x2x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #v4, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8xf32>, tensor<1x2x8x64xf32>) outs(%o0 : tensor<1x2x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x64xf32>
  return %o : tensor<1x2x64xf32>
}

// Not matched: a masked attention is not the dense one (its empty slots
// are the fuse pass's business).
// CHECK-LABEL: func.func @masked
// CHECK:         linalg.softmax
func.func @masked(%q: tensor<1x2x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %idx: tensor<1x2x8xi32>) -> tensor<1x2x64xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %c0 = arith.constant 0 : i32
  %se = tensor.empty() : tensor<1x2x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k4, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x64xf32>, tensor<1x2x8x64xf32>) outs(%s0 : tensor<1x2x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %sm = linalg.generic {indexing_maps = [#e3, #e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %idx : tensor<1x2x8xf32>, tensor<1x2x8xi32>) outs(%se : tensor<1x2x8xf32>) {
  ^bb0(%x: f32, %i: i32, %unused: f32):
    %ok = arith.cmpi sge, %i, %c0 : i32
    %y = arith.select %ok, %x, %lowest : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8xf32>
  // expected-remark @+1 {{spotlight-sparsify-attention: not sparsified: linalg.softmax: the attention is masked}}
  %p = linalg.softmax dimension(2) ins(%sm : tensor<1x2x8xf32>) outs(%se : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %oe = tensor.empty() : tensor<1x2x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x64xf32>) -> tensor<1x2x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #v4, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8xf32>, tensor<1x2x8x64xf32>) outs(%o0 : tensor<1x2x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x64xf32>
  return %o : tensor<1x2x64xf32>
}

// Not matched: a softmax over heads, not over tokens.
// CHECK-LABEL: func.func @softmax_over_heads
// CHECK:         linalg.softmax dimension(1)
func.func @softmax_over_heads(%s: tensor<1x2x8xf32>) -> tensor<1x2x8xf32> {
  %se = tensor.empty() : tensor<1x2x8xf32>
  // expected-remark @+1 {{not sparsified: linalg.softmax: the softmax is not over the tokens of [B, QH, N] scores}}
  %p = linalg.softmax dimension(1) ins(%s : tensor<1x2x8xf32>) outs(%se : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  return %p : tensor<1x2x8xf32>
}

// Not matched: bufferized.
// CHECK-LABEL: func.func @bufferized_softmax
func.func @bufferized_softmax(%s: memref<1x2x8xf32>, %out: memref<1x2x8xf32>) {
  // expected-remark @+1 {{not sparsified: linalg.softmax: it is bufferized (the pass works on tensors)}}
  linalg.softmax dimension(2) ins(%s : memref<1x2x8xf32>) outs(%out : memref<1x2x8xf32>)
  return
}

// The softmax decomposed as frontends emit it: max over the tokens from
// -inf, exp(s - max), sum from 0, division.
#r2 = affine_map<(b, h, n) -> (b, h)>
// CHECK-LABEL: func.func @decomposed_softmax
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x64xf32>, %[[K:.+]]: tensor<1x2x8x64xf32>, %[[V:.+]]: tensor<1x2x8x64xf32>,
// CHECK:         spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %{{.+}} : {{.*}}) {scale = 1.000000e+00 : f32}
// CHECK-NOT:     linalg
// DENSE-LABEL: func.func @decomposed_softmax
// DENSE:         spotlight.decode_attention
func.func @decomposed_softmax(%q: tensor<1x4x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) -> tensor<1x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<1x4x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x64xf32>, tensor<1x2x8x64xf32>) outs(%s0 : tensor<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8xf32>
  %re = tensor.empty() : tensor<1x4xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<1x4xf32>) -> tensor<1x4xf32>
  %max = linalg.generic {indexing_maps = [#e3, #r2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<1x4x8xf32>) outs(%m0 : tensor<1x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.maximumf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x4xf32>
  %e = linalg.generic {indexing_maps = [#e3, #r2, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<1x4x8xf32>, tensor<1x4xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %mx: f32, %unused: f32):
    %d = arith.subf %x, %mx : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x4xf32>) -> tensor<1x4xf32>
  %z = linalg.generic {indexing_maps = [#e3, #r2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<1x4x8xf32>) outs(%z0 : tensor<1x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x4xf32>
  %p = linalg.generic {indexing_maps = [#e3, #r2, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e, %z : tensor<1x4x8xf32>, tensor<1x4xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %sum: f32, %unused: f32):
    %y = arith.divf %x, %sum : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x8xf32>, tensor<1x2x8x64xf32>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// Not matched: the decomposed softmax's maximum starts at 0, which is not
// the maximum of negative scores (the division is the anchor remarked on).
// CHECK-LABEL: func.func @decomposed_softmax_max_from_zero
// CHECK:         arith.divf
func.func @decomposed_softmax_max_from_zero(%s: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<1x4x8xf32>
  %re = tensor.empty() : tensor<1x4xf32>
  %m0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x4xf32>) -> tensor<1x4xf32>
  %max = linalg.generic {indexing_maps = [#e3, #r2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<1x4x8xf32>) outs(%m0 : tensor<1x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.maximumf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x4xf32>
  %e = linalg.generic {indexing_maps = [#e3, #r2, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<1x4x8xf32>, tensor<1x4xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %mx: f32, %unused: f32):
    %d = arith.subf %x, %mx : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x4xf32>) -> tensor<1x4xf32>
  %z = linalg.generic {indexing_maps = [#e3, #r2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<1x4x8xf32>) outs(%z0 : tensor<1x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x4xf32>
  // expected-remark @+1 {{spotlight-sparsify-attention: not sparsified: linalg.generic: not a softmax e / sum(e)}}
  %p = linalg.generic {indexing_maps = [#e3, #r2, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e, %z : tensor<1x4x8xf32>, tensor<1x4xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %sum: f32, %unused: f32):
    %y = arith.divf %x, %sum : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  return %p : tensor<1x4x8xf32>
}

// repeat_kv as named ops (expand by linalg.broadcast, reshape by
// tensor.collapse_shape): head kh * 2 + g reads KV head kh.
// CHECK-LABEL: func.func @repeat_kv_named_ops
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x64xf32>, %[[K:.+]]: tensor<1x2x8x64xf32>, %[[V:.+]]: tensor<1x2x8x64xf32>,
// CHECK:         spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %{{.+}} : {{.*}}) {scale = 1.250000e-01 : f32}
// CHECK-NOT:     linalg
// DENSE-LABEL: func.func @repeat_kv_named_ops
// DENSE:         spotlight.decode_attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x4x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>)
func.func @repeat_kv_named_ops(%q: tensor<1x4x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) -> tensor<1x4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.125 : f32
  %be = tensor.empty() : tensor<1x2x2x8x64xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x2x8x64xf32>) outs(%be : tensor<1x2x2x8x64xf32>) dimensions = [2]
  %kr = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x64xf32> into tensor<1x4x8x64xf32>
  %vb = linalg.broadcast ins(%v : tensor<1x2x8x64xf32>) outs(%be : tensor<1x2x2x8x64xf32>) dimensions = [2]
  %vr = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x64xf32> into tensor<1x4x8x64xf32>
  %se = tensor.empty() : tensor<1x4x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k4, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kr : tensor<1x4x64xf32>, tensor<1x4x8x64xf32>) outs(%s0 : tensor<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8xf32>
  %ss = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x8xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %unused: f32):
    %y = arith.mulf %scale, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<1x4x8xf32>) outs(%se : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #v4, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<1x4x8xf32>, tensor<1x4x8x64xf32>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// Not matched: f64 attention (the spotlight ops hold f32, f16 or bf16).
// CHECK-LABEL: func.func @f64_attention
// CHECK:         linalg.softmax
func.func @f64_attention(%q: tensor<1x2x64xf64>, %k: tensor<1x2x8x64xf64>, %v: tensor<1x2x8x64xf64>) -> tensor<1x2x64xf64> {
  %zero = arith.constant 0.0 : f64
  %se = tensor.empty() : tensor<1x2x8xf64>
  %s0 = linalg.fill ins(%zero : f64) outs(%se : tensor<1x2x8xf64>) -> tensor<1x2x8xf64>
  %s = linalg.generic {indexing_maps = [#q, #k4, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x64xf64>, tensor<1x2x8x64xf64>) outs(%s0 : tensor<1x2x8xf64>) {
  ^bb0(%a: f64, %b: f64, %acc: f64):
    %m = arith.mulf %a, %b : f64
    %r = arith.addf %acc, %m : f64
    linalg.yield %r : f64
  } -> tensor<1x2x8xf64>
  // expected-remark @+1 {{not sparsified: linalg.softmax: q, K and V must be f32, f16 or bf16}}
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x2x8xf64>) outs(%se : tensor<1x2x8xf64>) -> tensor<1x2x8xf64>
  %oe = tensor.empty() : tensor<1x2x64xf64>
  %o0 = linalg.fill ins(%zero : f64) outs(%oe : tensor<1x2x64xf64>) -> tensor<1x2x64xf64>
  %o = linalg.generic {indexing_maps = [#p, #v4, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8xf64>, tensor<1x2x8x64xf64>) outs(%o0 : tensor<1x2x64xf64>) {
  ^bb0(%a: f64, %b: f64, %acc: f64):
    %m = arith.mulf %a, %b : f64
    %r = arith.addf %acc, %m : f64
    linalg.yield %r : f64
  } -> tensor<1x2x64xf64>
  return %o : tensor<1x2x64xf64>
}
