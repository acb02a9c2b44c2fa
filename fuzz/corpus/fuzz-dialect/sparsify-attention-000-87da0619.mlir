func.func @dense_step(%q: tensor<1x28x128xbf16>, %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>, %init: tensor<1x28x128xbf16>) -> tensor<1x28x128xbf16> {
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>) outs(%init : tensor<1x28x128xbf16>)
  return %o : tensor<1x28x128xbf16>
}
