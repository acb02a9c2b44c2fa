func.func @empty_head_dim(%q: memref<2x8x0xf32>, %k: memref<?x?x2x0xbf16>,
    %v: memref<?x?x2x0xbf16>, %idx: memref<2x2x30xi32>, %bt: memref<2x?xi32>,
    %sl: memref<2xi32>, %out: memref<2x8x0xf32>) {
  spotlight.sparse_attention
      ins(%q, %k, %v, %idx : memref<2x8x0xf32>, memref<?x?x2x0xbf16>,
          memref<?x?x2x0xbf16>, memref<2x2x30xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x0xf32>)
  return
}
