func.func @paged_topk_head(%qc: memref<2x8x1x2xi32>, %pool: memref<?x16x2x1x2xi32>,
    %bt: memref<2x?xi32>, %sl: memref<2xi32>, %out: memref<2x8x?xi32>) {
  spotlight.hamming_topk head
      ins(%qc, %pool : memref<2x8x1x2xi32>, memref<?x16x2x1x2xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x?xi32>) {budget = 0.25 : f64, min_budget = 8 : i64}
  return
}
