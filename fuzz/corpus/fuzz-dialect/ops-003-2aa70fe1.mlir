func.func @hash_encode_keys_ch_eq_kh(%k: tensor<?x4x?x128xf16>,
    %w1: tensor<4x128x128xf16>, %b1: tensor<4x128xf16>,
    %w2: tensor<4x128x128xf16>, %b2: tensor<4x128xf16>,
    %init: tensor<?x4x?x1x4xi32>) -> tensor<?x4x?x1x4xi32> {
  %0 = spotlight.hash_encode
      ins(%k, %w1, %b1, %w2, %b2 : tensor<?x4x?x128xf16>, tensor<4x128x128xf16>,
          tensor<4x128xf16>, tensor<4x128x128xf16>, tensor<4x128xf16>)
      outs(%init : tensor<?x4x?x1x4xi32>)
  return %0 : tensor<?x4x?x1x4xi32>
}
