func.func @paged_dense(%q: memref<2x8x64xf32>, %k: memref<?x16x2x64xf32>,
    %v: memref<?x16x2x64xf32>, %bt: memref<2x?xi32>, %sl: memref<2xi32>,
    %out: memref<2x8x64xf32>) {
  spotlight.decode_attention
      ins(%q, %k, %v : memref<2x8x64xf32>, memref<?x16x2x64xf32>,
          memref<?x16x2x64xf32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x64xf32>)
  return
}
