func.func @two_results(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  %0:2 = "spotlight.decode_attention"(%q, %k, %k, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return
}
