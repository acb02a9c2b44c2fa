func.func @merge_has_no_reference(%parts: memref<2x1x8x64xf32>,
    %lses: memref<2x1x8xf32>, %o: memref<1x8x64xbf16>) {
  spotlight.merge_attention ins(%parts, %lses : memref<2x1x8x64xf32>, memref<2x1x8xf32>)
      outs(%o : memref<1x8x64xbf16>)
  return
}
