func.func @result_out(%out: memref<4xf32>) {
  %r = gpu.alloc () : memref<4xf32>
  %s = gpu.alloc () : memref<8xi32>
  gpu.dealloc %s : memref<8xi32>
  memref.copy %r, %out : memref<4xf32> to memref<4xf32>
  return
}
