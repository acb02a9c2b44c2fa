func.func @merge_dynamic_dim(%parts: tensor<3x1x8x?xf32>, %lses: tensor<3x1x8xf32>, %o: tensor<1x8x?xbf16>) {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<3x1x8x?xf32>, tensor<3x1x8xf32>) outs(%o : tensor<1x8x?xbf16>)
  return
}
