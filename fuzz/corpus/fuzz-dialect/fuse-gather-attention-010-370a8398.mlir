func.func @paged_budget(%q: tensor<2x8x64xf32>, %kp: tensor<4x16x2x64xf32>, %vp: tensor<4x16x2x64xf32>, %qc: tensor<2x8x1x2xi32>, %kc: tensor<4x16x2x4x2xi32>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %init: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %e = tensor.empty() : tensor<2x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<4x16x2x4x2xi32>) pages(%bt, %sl : tensor<2x4xi32>, tensor<2xi32>) outs(%e : tensor<2x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %kp, %vp, %idx : tensor<2x8x64xf32>, tensor<4x16x2x64xf32>, tensor<4x16x2x64xf32>, tensor<2x2x88xi32>) pages(%bt, %sl : tensor<2x4xi32>, tensor<2xi32>) outs(%init : tensor<2x8x64xf32>)
  return %o : tensor<2x8x64xf32>
}
