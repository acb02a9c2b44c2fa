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
