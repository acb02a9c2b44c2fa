func.func @paged_sparse(%q: memref<2x8x64xbf16>, %k: memref<?x16x2x64xbf16>,
    %v: memref<?x16x2x64xbf16>, %idx: memref<2x2x30xi32>, %bt: memref<2x?xi32>,
    %sl: memref<2xi32>, %out: memref<2x8x64xbf16>) {
  spotlight.sparse_attention
      ins(%q, %k, %v, %idx : memref<2x8x64xbf16>, memref<?x16x2x64xbf16>,
          memref<?x16x2x64xbf16>, memref<2x2x30xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x64xbf16>)
  return
}
