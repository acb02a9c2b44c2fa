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
