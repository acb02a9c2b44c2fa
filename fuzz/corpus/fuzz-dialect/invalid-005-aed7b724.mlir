func.func @hash_encode_head_dim_not_a_multiple_of_32(%x: tensor<1x8x48xf32>, %w1: tensor<8x48x48xf32>, %b1: tensor<8x48xf32>, %w2: tensor<8x48x48xf32>, %b2: tensor<8x48xf32>, %init: tensor<1x8x1x2xi32>) {
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x48xf32>, tensor<8x48x48xf32>, tensor<8x48xf32>, tensor<8x48x48xf32>, tensor<8x48xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}
