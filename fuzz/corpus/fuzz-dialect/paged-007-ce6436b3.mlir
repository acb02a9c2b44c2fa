func.func @paged_partial_dense(%q: tensor<1x4x64xbf16>, %k: tensor<?x16x1x64xbf16>,
    %v: tensor<?x16x1x64xbf16>, %bt: tensor<1x?xi32>, %sl: tensor<1xi32>,
    %o: tensor<1x4x64xf32>, %lse: tensor<1x4xf32>) -> (tensor<1x4x64xf32>, tensor<1x4xf32>) {
  %0:2 = spotlight.partial_decode_attention ins(%q, %k, %v : tensor<1x4x64xbf16>, tensor<?x16x1x64xbf16>, tensor<?x16x1x64xbf16>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%o, %lse : tensor<1x4x64xf32>, tensor<1x4xf32>)
  return %0#0, %0#1 : tensor<1x4x64xf32>, tensor<1x4xf32>
}
