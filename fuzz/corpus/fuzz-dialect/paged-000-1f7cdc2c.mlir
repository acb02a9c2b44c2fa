func.func @paged_topk(%qc: tensor<2x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>,
    %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %init: tensor<2x2x?xi32>)
    -> tensor<2x2x?xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      outs(%init : tensor<2x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<2x2x?xi32>
}
