func.func @hash_encode_query_ch_eq_kh(%x: tensor<1x8x64xbf16>,
    %w1: tensor<2x64x64xbf16>, %b1: tensor<2x64xbf16>,
    %w2: tensor<2x64x64xbf16>, %b2: tensor<2x64xbf16>,
    %init: tensor<1x8x1x2xi32>) -> tensor<1x8x1x2xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xbf16>, tensor<2x64x64xbf16>,
          tensor<2x64xbf16>, tensor<2x64x64xbf16>, tensor<2x64xbf16>)
      outs(%init : tensor<1x8x1x2xi32>)
  return %0 : tensor<1x8x1x2xi32>
}
