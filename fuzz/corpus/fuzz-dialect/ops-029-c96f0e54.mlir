func.func @merge_attention(%parts: tensor<?x1x7x128xf32>,
    %lses: tensor<?x1x7xf32>, %init: tensor<1x7x128xbf16>) -> tensor<1x7x128xbf16> {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<?x1x7x128xf32>, tensor<?x1x7xf32>)
      outs(%init : tensor<1x7x128xbf16>)
  return %0 : tensor<1x7x128xbf16>
}
