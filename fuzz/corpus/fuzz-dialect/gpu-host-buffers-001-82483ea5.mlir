func.func @nested(%c: i1) {
  scf.if %c {
    %r = gpu.alloc () : memref<4xf32>
  }
  return
}
