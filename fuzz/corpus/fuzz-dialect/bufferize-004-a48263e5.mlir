func.func @decode_attention(%q: tensor<2x8x64xf32>, %k: tensor<2x2x?x64xf32>,
                            %v: tensor<2x2x?x64xf32>, %init: tensor<2x8x64xf32>)
    -> tensor<2x8x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<2x8x64xf32>, tensor<2x2x?x64xf32>,
          tensor<2x2x?x64xf32>)
      outs(%init : tensor<2x8x64xf32>)
  return %0 : tensor<2x8x64xf32>
}
