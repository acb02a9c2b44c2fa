func.func @paged_dense_dynamic_page(%q: tensor<1x4x64xf32>,
    %k: tensor<?x?x1x64xf32>, %v: tensor<?x?x1x64xf32>, %bt: tensor<1x?xi32>,
    %sl: tensor<1xi32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<?x?x1x64xf32>,
          tensor<?x?x1x64xf32>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%init : tensor<1x4x64xf32>)
  return %0 : tensor<1x4x64xf32>
}
