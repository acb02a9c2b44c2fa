func.func @masked_attention(%q: tensor<1x28x128xbf16>, %k: tensor<1x4x88x128xbf16>, %v: tensor<1x4x88x128xbf16>, %m: tensor<1x4x88xi32>, %init: tensor<1x28x128xbf16>) -> tensor<1x28x128xbf16> {
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x28x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88xi32>) outs(%init : tensor<1x28x128xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x28x128xbf16>
}
