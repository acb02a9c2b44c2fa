func.func @fuse_head_gather_kept_for_its_other_user(%q: tensor<2x8x128xbf16>, %k: tensor<2x2x?x128xbf16>, %v: tensor<2x2x?x128xbf16>, %idx: tensor<2x8x24xi32>, %init: tensor<2x8x128xbf16>) -> (tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>) {
  %e = tensor.empty() : tensor<2x8x24x128xbf16>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<2x2x?x128xbf16>, tensor<2x8x24xi32>) outs(%e : tensor<2x8x24x128xbf16>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<2x2x?x128xbf16>, tensor<2x8x24xi32>) outs(%e : tensor<2x8x24x128xbf16>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>, tensor<2x8x24x128xbf16>, tensor<2x8x24xi32>) outs(%init : tensor<2x8x128xbf16>)
  return %o, %kg : tensor<2x8x128xbf16>, tensor<2x8x24x128xbf16>
}
