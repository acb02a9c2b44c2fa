func.func @decode_attention(%q: tensor<1x2x32xf32>, %k: tensor<1x2x?x32xf32>,
    %v: tensor<1x2x?x32xf32>, %init: tensor<1x2x32xf32>) -> tensor<1x2x32xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x2x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
      outs(%init : tensor<1x2x32xf32>)
  return %0 : tensor<1x2x32xf32>
}
