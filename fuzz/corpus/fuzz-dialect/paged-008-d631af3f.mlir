func.func @merge(%parts: tensor<?x1x4x64xf32>, %lses: tensor<?x1x4xf32>, %init: tensor<1x4x64xbf16>) -> tensor<1x4x64xbf16> {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<?x1x4x64xf32>, tensor<?x1x4xf32>) outs(%init : tensor<1x4x64xbf16>)
  return %0 : tensor<1x4x64xbf16>
}
