func.func @cache_write(%k: memref<?x2x64xbf16>, %v: memref<?x2x64xbf16>,
    %c: memref<?x?x4x2xi32>, %s: memref<?xi32>, %kp: memref<?x16x2x64xbf16>,
    %vp: memref<?x16x2x64xbf16>, %cp: memref<?x16x2x4x2xi32>) {
  spotlight.cache_write ins(%k, %v, %c, %s : memref<?x2x64xbf16>, memref<?x2x64xbf16>, memref<?x?x4x2xi32>, memref<?xi32>) outs(%kp, %vp, %cp : memref<?x16x2x64xbf16>, memref<?x16x2x64xbf16>, memref<?x16x2x4x2xi32>)
  return
}
