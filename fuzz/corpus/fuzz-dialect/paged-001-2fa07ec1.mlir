func.func @paged_scores(%qc: tensor<2x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>,
    %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %ranges: tensor<2x2xi32>,
    %scores: tensor<2x2x?xi32>, %hist: tensor<2x2x257xi32>)
    -> (tensor<2x2x?xi32>, tensor<2x2x257xi32>) {
  %0:2 = spotlight.hamming_scores group
      ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      ranges(%ranges : tensor<2x2xi32>)
      outs(%scores, %hist : tensor<2x2x?xi32>, tensor<2x2x257xi32>)
  return %0#0, %0#1 : tensor<2x2x?xi32>, tensor<2x2x257xi32>
}
