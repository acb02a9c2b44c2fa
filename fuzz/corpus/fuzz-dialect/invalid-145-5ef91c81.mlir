func.func @topk_sink_overflow(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x5xi32>) -> tensor<1x2x5xi32> {
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x5xi32>) {budget = 1 : i64, sink = 9223372036854775806 : i64, window = 1 : i64}
  return %0 : tensor<1x2x5xi32>
}
