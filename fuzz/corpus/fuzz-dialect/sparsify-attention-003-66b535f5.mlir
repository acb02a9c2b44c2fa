func.func @bufferized_step(%q: memref<1x4x64xf32>, %k: memref<1x2x?x64xf32>, %v: memref<1x2x?x64xf32>, %out: memref<1x4x64xf32>) {
  spotlight.decode_attention ins(%q, %k, %v : memref<1x4x64xf32>, memref<1x2x?x64xf32>, memref<1x2x?x64xf32>) outs(%out : memref<1x4x64xf32>)
  return
}
