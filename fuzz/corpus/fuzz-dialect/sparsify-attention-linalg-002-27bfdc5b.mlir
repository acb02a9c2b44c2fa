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
