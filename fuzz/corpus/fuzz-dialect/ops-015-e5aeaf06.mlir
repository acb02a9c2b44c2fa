func.func @sparse_gather_head(%v: tensor<?x2x?x128xf16>, %idx: tensor<?x8x?xi32>,
    %init: tensor<?x8x?x128xf16>) -> tensor<?x8x?x128xf16> {
  %0 = spotlight.sparse_gather ins(%v, %idx : tensor<?x2x?x128xf16>, tensor<?x8x?xi32>)
      outs(%init : tensor<?x8x?x128xf16>)
  return %0 : tensor<?x8x?x128xf16>
}
