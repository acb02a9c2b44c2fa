func.func @decode_attention_mixed_types(%q: tensor<1x4x32xf16>,
    %k: tensor<1x1x16x32xf32>, %v: tensor<1x1x16x32xf32>,
    %init: tensor<1x4x32xf16>) -> tensor<1x4x32xf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x32xf16>, tensor<1x1x16x32xf32>, tensor<1x1x16x32xf32>)
      outs(%init : tensor<1x4x32xf16>)
  return %0 : tensor<1x4x32xf16>
}
