func.func @paged_topk(%qc: memref<2x8x1x2xi32>, %pool: memref<?x16x2x4x2xi32>,
    %bt: memref<2x?xi32>, %sl: memref<2xi32>, %out: memref<2x2x30xi32>) {
  spotlight.hamming_topk group
      ins(%qc, %pool : memref<2x8x1x2xi32>, memref<?x16x2x4x2xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x2x30xi32>)
      {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}
