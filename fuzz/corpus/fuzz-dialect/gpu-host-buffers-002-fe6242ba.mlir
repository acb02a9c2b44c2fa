func.func @intermediate(%n: index) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x2x88xi32>
  %b = memref.alloc(%n) : memref<?xi32>
  memref.dealloc %b : memref<?xi32>
  return
}
