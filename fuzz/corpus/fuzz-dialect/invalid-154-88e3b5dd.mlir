func.func @paged_table_batch(%qc: tensor<8x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>, %bt: tensor<4x?xi32>, %sl: tensor<8xi32>, %i: tensor<8x2x30xi32>) -> tensor<8x2x30xi32> {
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<8x8x1x2xi32>, tensor<?x16x2x4x2xi32>) pages(%bt, %sl : tensor<4x?xi32>, tensor<8xi32>) outs(%i : tensor<8x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<8x2x30xi32>
}
