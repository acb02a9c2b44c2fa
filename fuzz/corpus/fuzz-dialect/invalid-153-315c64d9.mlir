func.func @masked_attention_sets_not_dividing(%q: tensor<1x8x64xf32>, %k: tensor<1x3x16x64xf32>, %v: tensor<1x3x16x64xf32>, %m: tensor<1x3x16xi32>, %init: tensor<1x8x64xf32>) {
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x8x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}
