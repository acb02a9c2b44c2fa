func.func @hash_encode_keys(%k: tensor<1x2x?x64xbf16>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>,
    %init: tensor<1x2x?x4x2xi32>) -> tensor<1x2x?x4x2xi32> {
  %0 = spotlight.hash_encode
      ins(%k, %w1, %b1, %w2, %b2 : tensor<1x2x?x64xbf16>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%init : tensor<1x2x?x4x2xi32>)
  return %0 : tensor<1x2x?x4x2xi32>
}
