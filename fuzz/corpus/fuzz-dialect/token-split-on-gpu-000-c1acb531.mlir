func.func @scores(%qc: memref<1x8x1x2xi32>, %kc: memref<?x16x2x4x2xi32>,
    %bt: memref<1x?xi32>, %sl: memref<1xi32>, %r: memref<1x2xi32>,
    %s: memref<1x2x?xi32>, %h: memref<1x2x257xi32>) {
  spotlight.hamming_scores group
      ins(%qc, %kc : memref<1x8x1x2xi32>, memref<?x16x2x4x2xi32>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>)
      ranges(%r : memref<1x2xi32>)
      outs(%s, %h : memref<1x2x?xi32>, memref<1x2x257xi32>)
  return
}
