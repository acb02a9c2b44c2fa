func.func @sparse_attention_mixed_types(%q: tensor<2x4x32xf16>,
    %k: tensor<2x4x?x32xbf16>, %v: tensor<2x4x?x32xf32>,
    %idx: tensor<2x4x6xi32>, %init: tensor<2x4x32xf16>) -> tensor<2x4x32xf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<2x4x32xf16>, tensor<2x4x?x32xbf16>,
          tensor<2x4x?x32xf32>, tensor<2x4x6xi32>)
      outs(%init : tensor<2x4x32xf16>)
  return %0 : tensor<2x4x32xf16>
}
