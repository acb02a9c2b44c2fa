func.func @partial(%q: memref<1x8x64xbf16>, %kp: memref<?x16x2x64xbf16>,
    %bt: memref<1x?xi32>, %sl: memref<1xi32>, %o: memref<1x8x64xf32>,
    %lse: memref<1x8xf32>) {
  spotlight.partial_decode_attention
      ins(%q, %kp, %kp : memref<1x8x64xbf16>, memref<?x16x2x64xbf16>, memref<?x16x2x64xbf16>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>)
      outs(%o, %lse : memref<1x8x64xf32>, memref<1x8xf32>)
  return
}
