func.func @hash_encode_d96(%x: tensor<?x2x96xf16>,
    %w1: tensor<2x96x96xbf16>, %b1: tensor<2x96xbf16>,
    %w2: tensor<2x96x96xbf16>, %b2: tensor<2x96xbf16>,
    %init: tensor<?x2x1x3xi32>) -> tensor<?x2x1x3xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<?x2x96xf16>, tensor<2x96x96xbf16>,
          tensor<2x96xbf16>, tensor<2x96x96xbf16>, tensor<2x96xbf16>)
      outs(%init : tensor<?x2x1x3xi32>)
  return %0 : tensor<?x2x1x3xi32>
}
