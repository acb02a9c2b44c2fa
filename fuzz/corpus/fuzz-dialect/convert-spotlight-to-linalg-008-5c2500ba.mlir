func.func @decode_attention_mixed(%q: tensor<1x4x32xf16>, %k: tensor<1x4x?x32xbf16>,
    %v: tensor<1x4x?x32xbf16>, %init: tensor<1x4x32xf16>) -> tensor<1x4x32xf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x32xf16>, tensor<1x4x?x32xbf16>, tensor<1x4x?x32xbf16>)
      outs(%init : tensor<1x4x32xf16>)
  return %0 : tensor<1x4x32xf16>
}
