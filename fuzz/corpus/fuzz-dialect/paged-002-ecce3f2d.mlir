func.func @paged_write(%nk: memref<?x2x128xbf16>, %nv: memref<?x2x128xbf16>,
    %nc: memref<?x2x4x4xi32>, %slots: memref<?xi32>,
    %k: memref<?x16x2x128xbf16>, %v: memref<?x16x2x128xbf16>,
    %kc: memref<?x16x2x4x4xi32>) {
  spotlight.cache_write ins(%nk, %nv, %nc, %slots : memref<?x2x128xbf16>,
      memref<?x2x128xbf16>, memref<?x2x4x4xi32>, memref<?xi32>)
      outs(%k, %v, %kc : memref<?x16x2x128xbf16>, memref<?x16x2x128xbf16>,
           memref<?x16x2x4x4xi32>)
  return
}
