func.func @sparse_attention_group(%q: tensor<1x4611686018427387904x0xbf16>, %k: tensor<?x2x64x0xf32>,
    %v: tensor<?x2x64x0xf32>, %idx: tensor<1x2x0xi32>,
    %init: tensor<1x4611686018427387904x0xbf16>) -> tensor<1x4611686018427387904x0xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4611686018427387904x0xbf16>, tensor<?x2x64x0xf32>,
          tensor<?x2x64x0xf32>, tensor<1x2x0xi32>)
      outs(%init : tensor<1x4611686018427387904x0xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x4611686018427387904x0xbf16>
}
