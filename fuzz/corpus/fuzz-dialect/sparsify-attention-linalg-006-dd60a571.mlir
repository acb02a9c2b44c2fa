func.func @bufferized_softmax(%s: memref<1x2x8xf32>, %out: memref<1x2x8xf32>) {
  linalg.softmax dimension(2) ins(%s : memref<1x2x8xf32>) outs(%out : memref<1x2x8xf32>)
  return
}

#r2 = affine_map<(b, h, n) -> (b, h)>
