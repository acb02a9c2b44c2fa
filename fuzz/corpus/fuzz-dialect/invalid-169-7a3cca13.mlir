func.func @merge_rank(%parts: tensor<1x8x64xf32>, %lses: tensor<3x1x8xf32>, %o: tensor<1x8x64xbf16>) {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<1x8x64xf32>, tensor<3x1x8xf32>) outs(%o : tensor<1x8x64xbf16>)
  return
}
