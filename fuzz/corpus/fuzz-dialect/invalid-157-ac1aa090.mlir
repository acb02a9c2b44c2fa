func.func @paged_page_size(%q: tensor<2x8x64xf32>, %k: tensor<?x16x2x64xf32>, %v: tensor<?x8x2x64xf32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %o: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<2x8x64xf32>, tensor<?x16x2x64xf32>, tensor<?x8x2x64xf32>) pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%o : tensor<2x8x64xf32>)
  return %0 : tensor<2x8x64xf32>
}
