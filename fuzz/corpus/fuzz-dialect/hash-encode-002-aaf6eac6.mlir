func.func @hash_encode_query(%x: tensor<1x8x64xf32>,
    %w1: tensor<2x64x64xf32>, %b1: tensor<2x64xf32>,
    %w2: tensor<2x64x64xf32>, %b2: tensor<2x64xf32>,
    %init: tensor<1x8x1x2xi32>) -> tensor<1x8x1x2xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<2x64x64xf32>,
          tensor<2x64xf32>, tensor<2x64x64xf32>, tensor<2x64xf32>)
      outs(%init : tensor<1x8x1x2xi32>)
  return %0 : tensor<1x8x1x2xi32>
}
