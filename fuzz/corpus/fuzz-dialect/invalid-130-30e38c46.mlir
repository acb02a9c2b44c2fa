func.func @decode_attention_init_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64x1xf32>) {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64x1xf32>)
  return
}
