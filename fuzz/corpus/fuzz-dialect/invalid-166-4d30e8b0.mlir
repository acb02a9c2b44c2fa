func.func @partial_pages(%q: tensor<2x8x64xbf16>, %kp: tensor<?x16x2x64xbf16>, %bt: tensor<3x?xi32>, %sl: tensor<2xi32>, %o: tensor<2x8x64xf32>, %lse: tensor<2x8xf32>) {
  %0:2 = spotlight.partial_decode_attention ins(%q, %kp, %kp : tensor<2x8x64xbf16>, tensor<?x16x2x64xbf16>, tensor<?x16x2x64xbf16>) pages(%bt, %sl : tensor<3x?xi32>, tensor<2xi32>) outs(%o, %lse : tensor<2x8x64xf32>, tensor<2x8xf32>)
  return
}
