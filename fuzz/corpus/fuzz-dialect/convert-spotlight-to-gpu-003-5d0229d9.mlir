func.func @dense_attention(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %o: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%o : tensor<1x8x64xf32>)
  return %0 : tensor<1x8x64xf32>
}
