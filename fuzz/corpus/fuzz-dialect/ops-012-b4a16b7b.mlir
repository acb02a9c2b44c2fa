func.func @hamming_scores_paged(%qc: tensor<2x8x1x2xi32>,
    %pool: tensor<?x16x2x4x2xi32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>,
    %ranges: tensor<2x2xi32>, %scores: tensor<2x2x?xi32>,
    %hist: tensor<2x2x257xi32>) -> (tensor<2x2x?xi32>, tensor<2x2x257xi32>) {
  %0:2 = spotlight.hamming_scores group
      ins(%qc, %pool : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      ranges(%ranges : tensor<2x2xi32>)
      outs(%scores, %hist : tensor<2x2x?xi32>, tensor<2x2x257xi32>)
      {sink = 2 : i64, window = 64 : i64}
  return %0#0, %0#1 : tensor<2x2x?xi32>, tensor<2x2x257xi32>
}
