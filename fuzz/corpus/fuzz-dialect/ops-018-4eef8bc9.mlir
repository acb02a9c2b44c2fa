func.func @sparse_attention_head_scale(%q: tensor<1x8x128xbf16>,
    %k: tensor<1x2x?x128xbf16>, %v: tensor<1x2x?x128xbf16>,
    %idx: tensor<1x8x?xi32>, %init: tensor<1x8x128xbf16>) -> tensor<1x8x128xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x128xbf16>, tensor<1x2x?x128xbf16>,
          tensor<1x2x?x128xbf16>, tensor<1x8x?xi32>)
      outs(%init : tensor<1x8x128xbf16>) {scale = 0.125 : f32}
  return %0 : tensor<1x8x128xbf16>
}
