func.func @masked_attention_memref(%q: memref<1x8x64xf32>, %k: memref<1x8x16x64xf32>, %v: memref<1x8x16x64xf32>, %m: memref<1x8x16xi32>, %out: memref<1x8x64xf32>) {
  spotlight.masked_attention ins(%q, %k, %v, %m : memref<1x8x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16xi32>) outs(%out : memref<1x8x64xf32>)
  return
}
