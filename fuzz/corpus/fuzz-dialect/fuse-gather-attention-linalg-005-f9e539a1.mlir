func.func @gather_of_rows(%rows: tensor<1x2x16x64xf32>, %i2: tensor<1x4x8xi32>) -> tensor<1x4x8x64xf32> {
  %e2 = tensor.empty() : tensor<1x4x8x64xf32>
  %r2 = spotlight.sparse_gather ins(%rows, %i2 : tensor<1x2x16x64xf32>, tensor<1x4x8xi32>) outs(%e2 : tensor<1x4x8x64xf32>)
  return %r2 : tensor<1x4x8x64xf32>
}
