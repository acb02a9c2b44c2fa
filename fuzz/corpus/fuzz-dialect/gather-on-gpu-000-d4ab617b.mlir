func.func @gather(%k: tensor<1x2x?x64xf32>, %i: tensor<1x2x8xi32>, %o: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %0 = spotlight.sparse_gather ins(%k, %i : tensor<1x2x?x64xf32>, tensor<1x2x8xi32>) outs(%o : tensor<1x2x8x64xf32>)
  return %0 : tensor<1x2x8x64xf32>
}
