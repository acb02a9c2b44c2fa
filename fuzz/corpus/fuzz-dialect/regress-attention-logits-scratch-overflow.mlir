func.func @bufferized_step(%q: memref<?x4611686018427387904x1xf32>, %k: memref<1x4611686018427387904x0x1xf32>, %v: memref<1x4611686018427387904x0x1xf32>, %out: memref<?x4611686018427387904x1xf32>) {
  spotlight.decode_attention ins(%q, %k, %v : memref<?x4611686018427387904x1xf32>, memref<1x4611686018427387904x0x1xf32>, memref<1x4611686018427387904x0x1xf32>) outs(%out : memref<?x4611686018427387904x1xf32>)
  return
}
