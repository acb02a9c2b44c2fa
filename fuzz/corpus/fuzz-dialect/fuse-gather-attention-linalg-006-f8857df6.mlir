func.func @bufferized(%q: memref<1x8x64xf32>, %kg: memref<1x2x16x64xf32>, %vg: memref<1x2x16x64xf32>, %idx: memref<1x2x16xi32>, %out: memref<1x8x64xf32>) {
  spotlight.masked_attention ins(%q, %kg, %vg, %idx : memref<1x8x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16x64xf32>, memref<1x2x16xi32>) outs(%out : memref<1x8x64xf32>)
  return
}
