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
  %p = linalg.generic {indexing_maps = [#e3, #r2, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e, %z : tensor<1x4x8xf32>, tensor<1x4xf32>) outs(%se : tensor<1x4x8xf32>) {
  ^bb0(%x: f32, %sum: f32, %unused: f32):
    %y = arith.divf %x, %sum : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8xf32>
  return %p : tensor<1x4x8xf32>
}
