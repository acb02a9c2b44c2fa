func.func @paged_dense(%q: tensor<8x8x128xbf16>, %k: tensor<?x16x2x128xbf16>,
    %v: tensor<?x16x2x128xbf16>, %bt: tensor<8x?xi32>, %sl: tensor<8xi32>,
    %o: tensor<8x8x128xbf16>) -> tensor<8x8x128xbf16> {
  %r = spotlight.decode_attention
      ins(%q, %k, %v : tensor<8x8x128xbf16>, tensor<?x16x2x128xbf16>,
          tensor<?x16x2x128xbf16>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%o : tensor<8x8x128xbf16>)
  return %r : tensor<8x8x128xbf16>
}
