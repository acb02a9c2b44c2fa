func.func @result_type_differs_from_init(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  %0 = "spotlight.decode_attention"(%q, %k, %v, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf16>
  return
}
