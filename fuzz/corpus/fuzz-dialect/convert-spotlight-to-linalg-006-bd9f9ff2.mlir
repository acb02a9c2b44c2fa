func.func @sparse_attention_head(%q: tensor<1x4x32xf32>, %k: tensor<1x2x?x32xf32>,
    %v: tensor<1x2x?x32xf32>, %idx: tensor<1x4x?xi32>,
    %init: tensor<1x4x32xf32>) -> tensor<1x4x32xf32> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x32xf32>, tensor<1x2x?x32xf32>,
          tensor<1x2x?x32xf32>, tensor<1x4x?xi32>)
      outs(%init : tensor<1x4x32xf32>)
  return %0 : tensor<1x4x32xf32>
}
