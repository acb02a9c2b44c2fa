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
