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


#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>
