func.func @sparse_gather_f32(%v: tensor<1x4x16x32xf32>, %idx: tensor<1x4x3xi32>,
    %init: tensor<1x4x3x32xf32>) -> tensor<1x4x3x32xf32> {
  %0 = spotlight.sparse_gather ins(%v, %idx : tensor<1x4x16x32xf32>, tensor<1x4x3xi32>)
      outs(%init : tensor<1x4x3x32xf32>)
  return %0 : tensor<1x4x3x32xf32>
}
