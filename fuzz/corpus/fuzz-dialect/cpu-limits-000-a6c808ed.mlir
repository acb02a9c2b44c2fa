func.func @group_too_large(%q: tensor<1x1048576x32xbf16>, %k: tensor<?x2x64x32xf32>,
    %v: tensor<?x2x64x32xf32>, %idx: tensor<1x2x8xi32>,
    %init: tensor<1x1048576x32xbf16>) -> tensor<1x1048576x32xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x1048576x32xbf16>, tensor<?x2x64x32xf32>,
          tensor<?x2x64x32xf32>, tensor<1x2x8xi32>)
      outs(%init : tensor<1x1048576x32xbf16>)
  return %0 : tensor<1x1048576x32xbf16>
}
