func.func @too_few_operands(%x: tensor<1x8x64xf32>, %w: tensor<8x64x64xf32>, %b: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  %0 = spotlight.hash_encode ins(%x, %w, %b, %w : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}
