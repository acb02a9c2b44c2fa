func.func @biased_scores(%q: tensor<1x2x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %bias: tensor<1x2x8xf32>) -> tensor<1x2x64xf32> {
  %zero = arith.constant 0.0 : f32
  %s = linalg.generic {indexing_maps = [#q, #k4, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x64xf32>, tensor<1x2x8x64xf32>) outs(%bias : tensor<1x2x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
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
