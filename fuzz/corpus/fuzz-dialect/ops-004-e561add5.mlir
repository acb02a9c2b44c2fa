func.func @hash_encode_mixed_weight_types(%x: tensor<2x4x32xf16>,
    %w1: tensor<4x32x32xf32>, %b1: tensor<4x32xbf16>,
    %w2: tensor<4x32x32xf16>, %b2: tensor<4x32xf32>,
    %init: tensor<2x4x1x1xi32>) -> tensor<2x4x1x1xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<2x4x32xf16>, tensor<4x32x32xf32>,
          tensor<4x32xbf16>, tensor<4x32x32xf16>, tensor<4x32xf32>)
      outs(%init : tensor<2x4x1x1xi32>)
  return %0 : tensor<2x4x1x1xi32>
}
