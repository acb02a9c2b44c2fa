func.func @huge_group_of_empty_heads(%q: tensor<1x4611686018427387904x0xf32>,
    %k: tensor<1x2x?x0xf32>, %v: tensor<1x2x?x0xf32>,
    %init: tensor<1x4611686018427387904x0xf32>) -> tensor<1x4611686018427387904x0xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4611686018427387904x0xf32>, tensor<1x2x?x0xf32>,
          tensor<1x2x?x0xf32>)
      outs(%init : tensor<1x4611686018427387904x0xf32>)
  return %0 : tensor<1x4611686018427387904x0xf32>
}
