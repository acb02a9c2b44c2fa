func.func @sparse_attention_group(%q: tensor<1x4x64xbf16>, %k: tensor<1x2x?x64xbf16>,
    %v: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x16xi32>,
    %init: tensor<1x4x64xbf16>) -> tensor<1x4x64xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x64xbf16>, tensor<1x2x?x64xbf16>,
          tensor<1x2x?x64xbf16>, tensor<1x2x16xi32>)
      outs(%init : tensor<1x4x64xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x4x64xbf16>
}
