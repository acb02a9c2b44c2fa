func.func @paged_half(%q: tensor<2x8x64xf32>, %k: tensor<?x16x2x64xf32>, %bt: tensor<2x?xi32>, %o: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %0 = "spotlight.decode_attention"(%q, %k, %k, %bt, %o) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1>}> : (tensor<2x8x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<2x?xi32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}
