func.func @hash_encode_new_tokens(%k: tensor<?x4x128xbf16>,
    %w1: tensor<28x128x128xf32>, %b1: tensor<28x128xf32>,
    %w2: tensor<28x128x128xf32>, %b2: tensor<28x128xf32>,
    %init: tensor<?x4x7x4xi32>) -> tensor<?x4x7x4xi32> {
  %0 = spotlight.hash_encode
      ins(%k, %w1, %b1, %w2, %b2 : tensor<?x4x128xbf16>, tensor<28x128x128xf32>,
          tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>)
      outs(%init : tensor<?x4x7x4xi32>)
  return %0 : tensor<?x4x7x4xi32>
}
