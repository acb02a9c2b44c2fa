func.func @paged_step(%q: tensor<2x4x64xf32>, %kp: tensor<?x16x2x64xf32>, %vp: tensor<?x16x2x64xf32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %init: tensor<2x4x64xf32>) -> tensor<2x4x64xf32> {
  %o = spotlight.decode_attention ins(%q, %kp, %vp : tensor<2x4x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>) pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%init : tensor<2x4x64xf32>)
  return %o : tensor<2x4x64xf32>
}
