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
