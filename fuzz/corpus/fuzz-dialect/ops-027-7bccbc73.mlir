func.func @cache_write_memref(%k: memref<?x2x64xf32>, %v: memref<?x2x64xf32>,
    %c: memref<?x2x1x2xi32>, %s: memref<?xi32>, %kp: memref<?x1x2x64xf32>,
    %vp: memref<?x1x2x64xf32>, %cp: memref<?x1x2x1x2xi32>) {
  spotlight.cache_write ins(%k, %v, %c, %s : memref<?x2x64xf32>, memref<?x2x64xf32>, memref<?x2x1x2xi32>, memref<?xi32>) outs(%kp, %vp, %cp : memref<?x1x2x64xf32>, memref<?x1x2x64xf32>, memref<?x1x2x1x2xi32>)
  return
}
