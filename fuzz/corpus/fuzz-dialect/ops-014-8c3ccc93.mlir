func.func @sparse_gather_group(%k: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x88xi32>,
    %init: tensor<1x2x88x64xbf16>) -> tensor<1x2x88x64xbf16> {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xbf16>, tensor<1x2x88xi32>)
      outs(%init : tensor<1x2x88x64xbf16>)
  return %0 : tensor<1x2x88x64xbf16>
}
