func.func @partial_lse_shape(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>, %o: tensor<1x8x64xf32>, %lse: tensor<1x2xf32>) {
  %0:2 = spotlight.partial_decode_attention ins(%q, %k, %k : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) outs(%o, %lse : tensor<1x8x64xf32>, tensor<1x2xf32>)
  return
}
