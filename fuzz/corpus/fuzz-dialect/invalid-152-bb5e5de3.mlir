func.func @masked_attention_mask_slots(%q: tensor<1x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>, %m: tensor<1x2x15xi32>, %init: tensor<1x8x64xf32>) {
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x15xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}
