func.func @attention_too_wide(%q: tensor<1x64x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x128xf32>, %o: tensor<1x64x128xf32>) -> tensor<1x64x128xf32> {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x64x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>) outs(%o : tensor<1x64x128xf32>)
  return %0 : tensor<1x64x128xf32>
}
