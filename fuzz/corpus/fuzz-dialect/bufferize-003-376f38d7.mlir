func.func @sparse_attention(%q: tensor<1x8x64xf16>, %k: tensor<1x2x?x64xf16>,
                            %v: tensor<1x2x?x64xf16>, %idx: tensor<1x2x88xi32>,
                            %init: tensor<1x8x64xf16>) -> tensor<1x8x64xf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf16>, tensor<1x2x?x64xf16>,
          tensor<1x2x?x64xf16>, tensor<1x2x88xi32>)
      outs(%init : tensor<1x8x64xf16>) {scale = 0.125 : f32}
  return %0 : tensor<1x8x64xf16>
}
