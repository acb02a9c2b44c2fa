// RUN: spotlight-opt %s -split-input-file -verify-diagnostics

// One case per verifier check of SpotlightOps.cpp and per ODS constraint.
// Operand types are written in full so that each case fails exactly one check.

// hash_encode: input of rank 2.
func.func @hash_encode_input_of_rank_2(%x: tensor<8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'input' must have rank 3 [B, H, D] or rank 4 [B, H, N, D], got 2}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: input of rank 5.
func.func @hash_encode_input_of_rank_5(%x: tensor<1x2x16x1x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'input' must have rank 3 [B, H, D] or rank 4 [B, H, N, D], got 5}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x1x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: dynamic head count.
func.func @hash_encode_dynamic_head_count(%x: tensor<1x?x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'input' dimension 1 (H) must be static}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x?x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: dynamic head dim (queries).
func.func @hash_encode_dynamic_head_dim(%x: tensor<1x8x?xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'input' dimension 2 (D) must be static}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x?xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: dynamic head dim (keys).
func.func @hash_encode_dynamic_head_dim_2(%x: tensor<1x2x16x?xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x16x4x2xi32>) {
  // expected-error @+1 {{'input' dimension 3 (D) must be static}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x?xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x16x4x2xi32>)
  return
}

// -----

// hash_encode: head dim not a multiple of 32.
func.func @hash_encode_head_dim_not_a_multiple_of_32(%x: tensor<1x8x48xf32>, %w1: tensor<8x48x48xf32>, %b1: tensor<8x48xf32>, %w2: tensor<8x48x48xf32>, %b2: tensor<8x48xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'input' head dim D must be a positive multiple of 32, got 48}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x48xf32>, tensor<8x48x48xf32>, tensor<8x48xf32>, tensor<8x48x48xf32>, tensor<8x48xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w1 rank.
func.func @hash_encode_w1_rank(%x: tensor<1x8x64xf32>, %w1: tensor<8x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w1' must have rank 3 [CH, D, D], got 'tensor<8x64xf32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b1 rank.
func.func @hash_encode_b1_rank(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64x1xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b1' must have rank 2 [CH, D], got 'tensor<8x64x1xf32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64x1xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w2 rank.
func.func @hash_encode_w2_rank(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w2' must have rank 3 [CH, D, D], got 'tensor<64x64xf32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b2 rank.
func.func @hash_encode_b2_rank(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b2' must have rank 2 [CH, D], got 'tensor<64xf32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: dynamic code-head count.
func.func @hash_encode_dynamic_code_head_count(%x: tensor<1x8x64xf32>, %w1: tensor<?x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w1' dimension 0 (CH) must be static}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<?x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w1 dim 1.
func.func @hash_encode_w1_dim_1(%x: tensor<1x8x64xf32>, %w1: tensor<8x32x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w1' dimension 1 (D) must be 64, got 32}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x32x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w1 dim 2.
func.func @hash_encode_w1_dim_2(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x128xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w1' dimension 2 (D) must be 64, got 128}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x128xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b1 dim 0.
func.func @hash_encode_b1_dim_0(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<4x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b1' dimension 0 (CH) must be 8, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<4x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b1 dim 1.
func.func @hash_encode_b1_dim_1(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x32xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b1' dimension 1 (D) must be 64, got 32}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x32xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w2 dim 0.
func.func @hash_encode_w2_dim_0(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<4x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w2' dimension 0 (CH) must be 8, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<4x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w2 dim 1.
func.func @hash_encode_w2_dim_1(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x32x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w2' dimension 1 (D) must be 64, got 32}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: w2 dim 2.
func.func @hash_encode_w2_dim_2(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x32xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'w2' dimension 2 (D) must be 64, got 32}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x32xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b2 dim 0.
func.func @hash_encode_b2_dim_0(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<2x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b2' dimension 0 (CH) must be 8, got 2}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<2x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: b2 dim 1.
func.func @hash_encode_b2_dim_1(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x128xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{'b2' dimension 1 (D) must be 64, got 128}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x128xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: CH neither a multiple nor a divisor of H.
func.func @hash_encode_ch_neither_a_multiple_nor_a_divisor_of_h(%x: tensor<1x8x64xf32>, %w1: tensor<3x64x64xf32>, %b1: tensor<3x64xf32>, %w2: tensor<3x64x64xf32>, %b2: tensor<3x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{code heads CH (3) must be a multiple or a divisor of input heads H (8)}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<3x64x64xf32>, tensor<3x64xf32>, tensor<3x64x64xf32>, tensor<3x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: zero code heads.
func.func @hash_encode_zero_code_heads(%x: tensor<1x8x64xf32>, %w1: tensor<0x64x64xf32>, %b1: tensor<0x64xf32>, %w2: tensor<0x64x64xf32>, %b2: tensor<0x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{code heads CH (0) must be a multiple or a divisor of input heads H (8)}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<0x64x64xf32>, tensor<0x64xf32>, tensor<0x64x64xf32>, tensor<0x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: zero input heads.
func.func @hash_encode_zero_input_heads(%x: tensor<1x0x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x0x1x2xi32>) {
  // expected-error @+1 {{code heads CH (8) must be a multiple or a divisor of input heads H (0)}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x0x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x0x1x2xi32>)
  return
}

// -----

// hash_encode: init rank for queries.
func.func @hash_encode_init_rank_for_queries(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2x1xi32>) {
  // expected-error @+1 {{'init' must have rank 4 [B, H, C, D/32], got 'tensor<1x8x1x2x1xi32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2x1xi32>)
  return
}

// -----

// hash_encode: init rank for keys.
func.func @hash_encode_init_rank_for_keys(%x: tensor<1x2x16x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x16x4x2x1xi32>) {
  // expected-error @+1 {{'init' must have rank 5 [B, H, N, C, D/32], got 'tensor<1x2x16x4x2x1xi32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x16x4x2x1xi32>)
  return
}

// -----

// hash_encode: init batch.
func.func @hash_encode_init_batch(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<2x8x1x2xi32>) {
  // expected-error @+1 {{'init' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<2x8x1x2xi32>)
  return
}

// -----

// hash_encode: init heads.
func.func @hash_encode_init_heads(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x4x1x2xi32>) {
  // expected-error @+1 {{'init' dimension 1 (H) must be 8, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x4x1x2xi32>)
  return
}

// -----

// hash_encode: init tokens.
func.func @hash_encode_init_tokens(%x: tensor<1x2x16x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x8x4x2xi32>) {
  // expected-error @+1 {{'init' dimension 2 (N) must be 16, got 8}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x8x4x2xi32>)
  return
}

// -----

// hash_encode: init codes per query head (CH = QH gives C = 1).
func.func @hash_encode_init_codes_per_query_head(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x4x2xi32>) {
  // expected-error @+1 {{'init' dimension 2 (C, codes per head) must be 1, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x4x2xi32>)
  return
}

// -----

// hash_encode: init codes per key (CH = QH = 8 over KH = 2 gives C = 4).
func.func @hash_encode_init_codes_per_key(%x: tensor<1x2x16x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x16x1x2xi32>) {
  // expected-error @+1 {{'init' dimension 3 (C, codes per head) must be 4, got 1}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x16x1x2xi32>)
  return
}

// -----

// hash_encode: init codes per key (CH = KH gives C = 1).
func.func @hash_encode_init_codes_per_key_2(%x: tensor<1x2x16x64xf32>, %w1: tensor<2x64x64xf32>, %b1: tensor<2x64xf32>, %w2: tensor<2x64x64xf32>, %b2: tensor<2x64xf32>, %init: tensor<1x2x16x4x2xi32>) {
  // expected-error @+1 {{'init' dimension 3 (C, codes per head) must be 1, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x64xf32>, tensor<2x64x64xf32>, tensor<2x64xf32>, tensor<2x64x64xf32>, tensor<2x64xf32>) outs(%init : tensor<1x2x16x4x2xi32>)
  return
}

// -----

// hash_encode: init code words (queries).
func.func @hash_encode_init_code_words(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x4xi32>) {
  // expected-error @+1 {{'init' dimension 3 (D/32, code words) must be 2, got 4}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x4xi32>)
  return
}

// -----

// hash_encode: init code words (keys).
func.func @hash_encode_init_code_words_2(%x: tensor<1x2x16x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x2x16x4x1xi32>) {
  // expected-error @+1 {{'init' dimension 4 (D/32, code words) must be 2, got 1}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x2x16x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x2x16x4x1xi32>)
  return
}

// -----

// hash_encode: f64 input (ODS).
func.func @hash_encode_f64_input(%x: tensor<1x8x64xf64>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x8x64xf64>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf64>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: integer weights (ODS).
func.func @hash_encode_integer_weights(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xi32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<8x64x64xi32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xi32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

// hash_encode: i64 codes (ODS).
func.func @hash_encode_i64_codes(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi64>) {
  // expected-error @+1 {{operand #5 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x8x1x2xi64>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xi64>)
  return
}

// -----

// hash_encode: f32 codes (ODS).
func.func @hash_encode_f32_codes(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xf32>) {
  // expected-error @+1 {{operand #5 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x8x1x2xf32>'}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%init : tensor<1x8x1x2xf32>)
  return
}

// -----

// hamming_topk: query_codes rank.
func.func @hamming_topk_query_codes_rank(%qc: tensor<1x8x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'query_codes' must have rank 4 [B, QH, 1, W], got 'tensor<1x8x2xi32>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: key_codes rank.
func.func @hamming_topk_key_codes_rank(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' must have rank 5 [B, KH, N, C, W], got 'tensor<1x2x?x2xi32>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: init rank.
func.func @hamming_topk_init_rank(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88x1xi32>) {
  // expected-error @+1 {{'init' must have rank 3 [B, S, M], got 'tensor<1x2x88x1xi32>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88x1xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: dynamic query heads.
func.func @hamming_topk_dynamic_query_heads(%qc: tensor<1x?x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'query_codes' dimension 1 (QH) must be static}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x?x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: dynamic code words.
func.func @hamming_topk_dynamic_code_words(%qc: tensor<1x8x1x?xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'query_codes' dimension 3 (W) must be static}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x?xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: dynamic KV heads.
func.func @hamming_topk_dynamic_kv_heads(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x?x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 1 (KH) must be static}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x?x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: dynamic codes per key.
func.func @hamming_topk_dynamic_codes_per_key(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x?x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 3 (C) must be static}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x?x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: more than one code per query head.
func.func @hamming_topk_more_than_one_code_per_query_head(%qc: tensor<1x8x2x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'query_codes' dimension 2 (one code per query head) must be 1, got 2}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x2x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: key_codes batch.
func.func @hamming_topk_key_codes_batch(%qc: tensor<1x8x1x2xi32>, %kc: tensor<2x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<2x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: key_codes code words.
func.func @hamming_topk_key_codes_code_words(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x4xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 4 (W, code words) must be 2, got 4}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x4xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: QH not a multiple of KH.
func.func @hamming_topk_qh_not_a_multiple_of_kh(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x3x?x1x2xi32>, %init: tensor<1x3x88xi32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (3)}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x3x?x1x2xi32>) outs(%init : tensor<1x3x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: zero KV heads.
func.func @hamming_topk_zero_kv_heads(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x0x?x1x2xi32>, %init: tensor<1x0x88xi32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (0)}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x0x?x1x2xi32>) outs(%init : tensor<1x0x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: C neither G nor 1.
func.func @hamming_topk_c_neither_g_nor_1(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x2x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 3 (C) must be 4 (CH = QH) or 1 (CH = KH), got 2}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x2x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: C = QH is not C = G.
func.func @hamming_topk_c_qh_is_not_c_g(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x8x2xi32>, %init: tensor<1x8x88xi32>) {
  // expected-error @+1 {{'key_codes' dimension 3 (C) must be 4 (CH = QH) or 1 (CH = KH), got 8}}
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x8x2xi32>) outs(%init : tensor<1x8x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: init batch.
func.func @hamming_topk_init_batch(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<2x2x88xi32>) {
  // expected-error @+1 {{'init' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<2x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: group mode needs S = KH.
func.func @hamming_topk_group_mode_needs_s_kh(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x88xi32>) {
  // expected-error @+1 {{'init' dimension 1 (S = KH in group mode) must be 2, got 8}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x8x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: head mode needs S = QH.
func.func @hamming_topk_head_mode_needs_s_qh(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'init' dimension 1 (S = QH in head mode) must be 8, got 2}}
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: negative sink.
func.func @hamming_topk_negative_sink(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'sink' must be non-negative}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64, sink = -1 : i64}
  return
}

// -----

// hamming_topk: negative window.
func.func @hamming_topk_negative_window(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'window' must be non-negative}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64, window = -8 : i64}
  return
}

// -----

// hamming_topk: negative min_budget.
func.func @hamming_topk_negative_min_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) {
  // expected-error @+1 {{'min_budget' must be non-negative}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x?xi32>) {budget = 0.5 : f64, min_budget = -1 : i64}
  return
}

// -----

// hamming_topk: zero count budget.
func.func @hamming_topk_zero_count_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x68xi32>) {
  // expected-error @+1 {{'budget' count must be positive, got 0}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x68xi32>) {budget = 0 : i64}
  return
}

// -----

// hamming_topk: negative count budget.
func.func @hamming_topk_negative_count_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) {
  // expected-error @+1 {{'budget' count must be positive, got -5}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x?xi32>) {budget = -5 : i64}
  return
}

// -----

// hamming_topk: count budget needs M = sink + window + budget.
func.func @hamming_topk_count_budget_needs_m_sink_window_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x87xi32>) {
  // expected-error @+1 {{'init' dimension 2 (M = sink + window + budget) must be 88, got 87}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x87xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: M = sink + window + budget with non-default sink and window.
func.func @hamming_topk_m_sink_window_budget_with_non_default_sink_and_window(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x30xi32>) {
  // expected-error @+1 {{'init' dimension 2 (M = sink + window + budget) must be 28, got 30}}
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x8x30xi32>) {budget = 10 : i64, sink = 2 : i64, window = 16 : i64}
  return
}

// -----

// hamming_topk: zero fraction.
func.func @hamming_topk_zero_fraction(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) {
  // expected-error @+1 {{'budget' fraction must be in (0, 1], got 0.00}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x?xi32>) {budget = 0.0 : f64}
  return
}

// -----

// hamming_topk: negative fraction.
func.func @hamming_topk_negative_fraction(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) {
  // expected-error @+1 {{'budget' fraction must be in (0, 1], got -0.25}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x?xi32>) {budget = -0.25 : f64}
  return
}

// -----

// hamming_topk: fraction above 1.
func.func @hamming_topk_fraction_above_1(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) {
  // expected-error @+1 {{'budget' fraction must be in (0, 1], got 1.50}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x?xi32>) {budget = 1.5 : f64}
  return
}

// -----

// hamming_topk: fraction budget, M below sink + window + min_budget.
func.func @hamming_topk_fraction_budget_m_below_sink_window_min_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x87xi32>) {
  // expected-error @+1 {{'init' dimension 2 (M) must be at least sink + window + min_budget = 88, got 87}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x87xi32>) {budget = 0.1 : f64}
  return
}

// -----

// hamming_topk: fraction budget, M below the minimum with non-default attributes.
func.func @hamming_topk_fraction_budget_m_below_the_minimum_with_non_default_attributes(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x10xi32>) {
  // expected-error @+1 {{'init' dimension 2 (M) must be at least sink + window + min_budget = 11, got 10}}
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x8x10xi32>) {budget = 0.1 : f64, sink = 1 : i64, window = 8 : i64, min_budget = 2 : i64}
  return
}

// -----

// hamming_topk: i64 codes (ODS).
func.func @hamming_topk_i64_codes(%qc: tensor<1x8x1x2xi64>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x8x1x2xi64>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi64>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: i16 key codes (ODS).
func.func @hamming_topk_i16_key_codes(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi16>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x2x?x4x2xi16>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi16>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: i64 indices (ODS).
func.func @hamming_topk_i64_indices(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi64>) {
  // expected-error @+1 {{operand #2 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x2x88xi64>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi64>) {budget = 20 : i64}
  return
}

// -----

// hamming_topk: missing budget (ODS).
func.func @hamming_topk_missing_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{requires attribute 'budget'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>)
  return
}

// -----

// hamming_topk: i32 budget (ODS).
func.func @hamming_topk_i32_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{attribute 'budget' failed to satisfy constraint: 64-bit signless integer attribute or 64-bit float attribute}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i32}
  return
}

// -----

// hamming_topk: f32 fraction budget (ODS).
func.func @hamming_topk_f32_fraction_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{attribute 'budget' failed to satisfy constraint: 64-bit signless integer attribute or 64-bit float attribute}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 0.5 : f32}
  return
}

// -----

// hamming_topk: i32 sink (ODS).
func.func @hamming_topk_i32_sink(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{attribute 'sink' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64, sink = 4 : i32}
  return
}

// -----

// hamming_scores: token_ranges not [B, 2].
func.func @hamming_scores_ranges_width(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %r: tensor<1x3xi32>, %s: tensor<1x2x?xi32>, %h: tensor<1x2x257xi32>) {
  // expected-error @+1 {{'token_ranges' dimension 1 (begin and end) must be 2, got 3}}
  %0:2 = spotlight.hamming_scores group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) ranges(%r : tensor<1x3xi32>) outs(%s, %h : tensor<1x2x?xi32>, tensor<1x2x257xi32>)
  return
}

// -----

// hamming_scores: a histogram bin per score (32 x W x G + 1 = 257).
func.func @hamming_scores_bins(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %r: tensor<1x2xi32>, %s: tensor<1x2x?xi32>, %h: tensor<1x2x65xi32>) {
  // expected-error @+1 {{'histograms' dimension 2 (V, the largest score + 1) must be 257, got 65}}
  %0:2 = spotlight.hamming_scores group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) ranges(%r : tensor<1x2xi32>) outs(%s, %h : tensor<1x2x?xi32>, tensor<1x2x65xi32>)
  return
}

// -----

// hamming_scores: head mode scores one set per query head.
func.func @hamming_scores_head_sets(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %r: tensor<1x2xi32>, %s: tensor<1x2x?xi32>, %h: tensor<1x8x65xi32>) {
  // expected-error @+1 {{'scores' dimension 1 (S = QH in head mode) must be 8, got 2}}
  %0:2 = spotlight.hamming_scores head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) ranges(%r : tensor<1x2xi32>) outs(%s, %h : tensor<1x2x?xi32>, tensor<1x8x65xi32>)
  return
}

// -----

// hamming_scores: contiguous scores hold every token.
func.func @hamming_scores_contiguous_tokens(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x100x4x2xi32>, %r: tensor<1x2xi32>, %s: tensor<1x2x99xi32>, %h: tensor<1x2x257xi32>) {
  // expected-error @+1 {{'scores' dimension 2 (N, the tokens of a sequence) must be 100, got 99}}
  %0:2 = spotlight.hamming_scores group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x100x4x2xi32>) ranges(%r : tensor<1x2xi32>) outs(%s, %h : tensor<1x2x99xi32>, tensor<1x2x257xi32>)
  return
}

// -----

// hamming_scores: negative window.
func.func @hamming_scores_window(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %r: tensor<1x2xi32>, %s: tensor<1x2x?xi32>, %h: tensor<1x2x257xi32>) {
  // expected-error @+1 {{'sink' and 'window' must be non-negative}}
  %0:2 = spotlight.hamming_scores group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) ranges(%r : tensor<1x2xi32>) outs(%s, %h : tensor<1x2x?xi32>, tensor<1x2x257xi32>) {window = -1 : i64}
  return
}

// -----

// score_topk: histograms of another batch.
func.func @score_topk_batch(%s: tensor<2x2x?xi32>, %h: tensor<3x1x2x257xi32>, %l: tensor<2xi32>, %i: tensor<2x2x88xi32>) {
  // expected-error @+1 {{'histograms' dimension 1 (B) must be 2, got 1}}
  %0 = spotlight.score_topk ins(%s, %h : tensor<2x2x?xi32>, tensor<3x1x2x257xi32>) lens(%l : tensor<2xi32>) outs(%i : tensor<2x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// score_topk: a count budget fixes M.
func.func @score_topk_slots(%s: tensor<2x2x?xi32>, %h: tensor<3x2x2x257xi32>, %l: tensor<2xi32>, %i: tensor<2x2x87xi32>) {
  // expected-error @+1 {{'init' dimension 2 (M = sink + window + budget) must be 88, got 87}}
  %0 = spotlight.score_topk ins(%s, %h : tensor<2x2x?xi32>, tensor<3x2x2x257xi32>) lens(%l : tensor<2xi32>) outs(%i : tensor<2x2x87xi32>) {budget = 20 : i64}
  return
}

// -----

// score_topk: dynamic bins.
func.func @score_topk_dynamic_bins(%s: tensor<2x2x?xi32>, %h: tensor<3x2x2x?xi32>, %l: tensor<2xi32>, %i: tensor<2x2x88xi32>) {
  // expected-error @+1 {{'histograms' dimension 3 (V) must be static}}
  %0 = spotlight.score_topk ins(%s, %h : tensor<2x2x?xi32>, tensor<3x2x2x?xi32>) lens(%l : tensor<2xi32>) outs(%i : tensor<2x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// sparse_gather: cache rank.
func.func @sparse_gather_cache_rank(%cache: tensor<2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'cache' must have rank 4 [B, KH, N, D], got 'tensor<2x?x64xf32>'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: indices rank.
func.func @sparse_gather_indices_rank(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88x1xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'indices' must have rank 3 [B, S, M], got 'tensor<1x2x88x1xi32>'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88x1xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: init rank.
func.func @sparse_gather_init_rank(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64x1xf32>) {
  // expected-error @+1 {{'init' must have rank 4 [B, S, M, D], got 'tensor<1x2x88x64x1xf32>'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64x1xf32>)
  return
}

// -----

// sparse_gather: dynamic KV heads.
func.func @sparse_gather_dynamic_kv_heads(%cache: tensor<1x?x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'cache' dimension 1 (KH) must be static}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x?x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: dynamic index sets.
func.func @sparse_gather_dynamic_index_sets(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x?x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'indices' dimension 1 (S) must be static}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x?x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: indices batch.
func.func @sparse_gather_indices_batch(%cache: tensor<1x2x?x64xf32>, %idx: tensor<2x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'indices' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<2x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: S not a multiple of KH.
func.func @sparse_gather_s_not_a_multiple_of_kh(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x3x88xi32>, %init: tensor<1x3x88x64xf32>) {
  // expected-error @+1 {{'indices' dimension 1 (S) must be a multiple of KV heads (2), got 3}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x3x88xi32>) outs(%init : tensor<1x3x88x64xf32>)
  return
}

// -----

// sparse_gather: zero KV heads.
func.func @sparse_gather_zero_kv_heads(%cache: tensor<1x0x?x64xf32>, %idx: tensor<1x0x88xi32>, %init: tensor<1x0x88x64xf32>) {
  // expected-error @+1 {{'indices' dimension 1 (S) must be a multiple of KV heads (0), got 0}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x0x?x64xf32>, tensor<1x0x88xi32>) outs(%init : tensor<1x0x88x64xf32>)
  return
}

// -----

// sparse_gather: init batch.
func.func @sparse_gather_init_batch(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<2x2x88x64xf32>) {
  // expected-error @+1 {{'init' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<2x2x88x64xf32>)
  return
}

// -----

// sparse_gather: init sets.
func.func @sparse_gather_init_sets(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x8x88x64xf32>) {
  // expected-error @+1 {{'init' dimension 1 (S) must be 2, got 8}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x8x88x64xf32>)
  return
}

// -----

// sparse_gather: init slots.
func.func @sparse_gather_init_slots(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x30x64xf32>) {
  // expected-error @+1 {{'init' dimension 2 (M) must be 88, got 30}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x30x64xf32>)
  return
}

// -----

// sparse_gather: init head dim.
func.func @sparse_gather_init_head_dim(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x128xf32>) {
  // expected-error @+1 {{'init' dimension 3 (D) must be 64, got 128}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x128xf32>)
  return
}

// -----

// sparse_gather: init element type.
func.func @sparse_gather_init_element_type(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xbf16>) {
  // expected-error @+1 {{'init' element type must match 'cache'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xbf16>)
  return
}

// -----

// sparse_gather: f64 cache (ODS).
func.func @sparse_gather_f64_cache(%cache: tensor<1x2x?x64xf64>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x?x64xf64>'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf64>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_gather: i64 indices (ODS).
func.func @sparse_gather_i64_indices(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi64>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x2x88xi64>'}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi64>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// sparse_attention: query rank.
func.func @sparse_attention_query_rank(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'query' must have rank 3 [B, QH, D], got 'tensor<1x8x1x64xf32>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x1x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: key_cache rank.
func.func @sparse_attention_key_cache_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' must have rank 4 [B, KH, N, D], got 'tensor<1x2x64xf32>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: value_cache rank.
func.func @sparse_attention_value_cache_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' must have rank 4 [B, KH, N, D], got 'tensor<2x?x64xf32>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: dynamic query heads.
func.func @sparse_attention_dynamic_query_heads(%q: tensor<1x?x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'query' dimension 1 (QH) must be static}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: dynamic KV heads.
func.func @sparse_attention_dynamic_kv_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x?x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 1 (KH) must be static}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x?x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: key_cache batch.
func.func @sparse_attention_key_cache_batch(%q: tensor<1x8x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<2x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: key_cache head dim.
func.func @sparse_attention_key_cache_head_dim(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x32xf32>, %v: tensor<1x2x?x32xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 3 (D) must be 64, got 32}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: QH not a multiple of KH.
func.func @sparse_attention_qh_not_a_multiple_of_kh(%q: tensor<1x8x64xf32>, %k: tensor<1x3x?x64xf32>, %v: tensor<1x3x?x64xf32>, %idx: tensor<1x3x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (3)}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x3x?x64xf32>, tensor<1x3x?x64xf32>, tensor<1x3x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: value_cache batch.
func.func @sparse_attention_value_cache_batch(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<2x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' dimension 0 (same as key_cache) must be 1, got 2}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<2x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: value_cache KV heads.
func.func @sparse_attention_value_cache_kv_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x4x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' dimension 1 (same as key_cache) must be 2, got 4}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: value_cache tokens.
func.func @sparse_attention_value_cache_tokens(%q: tensor<1x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x17x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' dimension 2 (same as key_cache) must be 16, got 17}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: value_cache head dim.
func.func @sparse_attention_value_cache_head_dim(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x128xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' dimension 3 (same as key_cache) must be 64, got 128}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x128xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: indices rank.
func.func @sparse_attention_indices_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30x1xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'indices' must have rank 3 [B, S, M], got 'tensor<1x2x30x1xi32>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30x1xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: dynamic index sets.
func.func @sparse_attention_dynamic_index_sets(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x?x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'indices' dimension 1 (S) must be static}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x?x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: indices batch.
func.func @sparse_attention_indices_batch(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<2x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'indices' dimension 0 (B) must be 1, got 2}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<2x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: S neither KH nor QH.
func.func @sparse_attention_s_neither_kh_nor_qh(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x4x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'indices' dimension 1 (S) must be KV heads (2) or query heads (8), got 4}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x4x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: init rank.
func.func @sparse_attention_init_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64x1xf32>) {
  // expected-error @+1 {{'init' must have rank 3 [B, QH, D], got 'tensor<1x8x64x1xf32>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64x1xf32>)
  return
}

// -----

// sparse_attention: init batch.
func.func @sparse_attention_init_batch(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'init' dimension 0 (same as query) must be 1, got 2}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<2x8x64xf32>)
  return
}

// -----

// sparse_attention: init heads.
func.func @sparse_attention_init_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x2x64xf32>) {
  // expected-error @+1 {{'init' dimension 1 (same as query) must be 8, got 2}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x2x64xf32>)
  return
}

// -----

// sparse_attention: init head dim.
func.func @sparse_attention_init_head_dim(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'init' dimension 2 (same as query) must be 64, got 32}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x32xf32>)
  return
}

// -----

// sparse_attention: output element type follows the query.
func.func @sparse_attention_output_element_type_follows_the_query(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'init' element type must match 'query'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: f64 value cache (ODS).
func.func @sparse_attention_f64_value_cache(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf64>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{operand #2 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x?x64xf64>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf64>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: i64 indices (ODS).
func.func @sparse_attention_i64_indices(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi64>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values or memref of 32-bit signless integer values, but got 'tensor<1x2x30xi64>'}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi64>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// sparse_attention: f64 scale (ODS).
func.func @sparse_attention_f64_scale(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>) {scale = 0.125 : f64}
  return
}

// -----

// decode_attention: query rank.
func.func @decode_attention_query_rank(%q: tensor<8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'query' must have rank 3 [B, QH, D], got 'tensor<8x64xf32>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: key_cache rank.
func.func @decode_attention_key_cache_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64x1xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' must have rank 4 [B, KH, N, D], got 'tensor<1x2x?x64x1xf32>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64x1xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: value_cache rank.
func.func @decode_attention_value_cache_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' must have rank 4 [B, KH, N, D], got 'tensor<1x2x?xf32>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: dynamic query heads.
func.func @decode_attention_dynamic_query_heads(%q: tensor<1x?x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'query' dimension 1 (QH) must be static}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: dynamic KV heads.
func.func @decode_attention_dynamic_kv_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x?x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 1 (KH) must be static}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x?x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: key_cache batch.
func.func @decode_attention_key_cache_batch(%q: tensor<4x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<4x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 0 (B) must be 4, got 1}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<4x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<4x8x64xf32>)
  return
}

// -----

// decode_attention: key_cache head dim.
func.func @decode_attention_key_cache_head_dim(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x128xf32>, %v: tensor<1x2x?x128xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'key_cache' dimension 3 (D) must be 64, got 128}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x128xf32>, tensor<1x2x?x128xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: QH not a multiple of KH.
func.func @decode_attention_qh_not_a_multiple_of_kh(%q: tensor<1x8x64xf32>, %k: tensor<1x5x?x64xf32>, %v: tensor<1x5x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (5)}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x5x?x64xf32>, tensor<1x5x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: zero KV heads.
func.func @decode_attention_zero_kv_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x0x?x64xf32>, %v: tensor<1x0x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (0)}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x0x?x64xf32>, tensor<1x0x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: value_cache tokens.
func.func @decode_attention_value_cache_tokens(%q: tensor<1x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x8x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'value_cache' dimension 2 (same as key_cache) must be 16, got 8}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x8x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: init rank.
func.func @decode_attention_init_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64x1xf32>) {
  // expected-error @+1 {{'init' must have rank 3 [B, QH, D], got 'tensor<1x8x64x1xf32>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64x1xf32>)
  return
}

// -----

// decode_attention: init heads.
func.func @decode_attention_init_heads(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x4x64xf32>) {
  // expected-error @+1 {{'init' dimension 1 (same as query) must be 8, got 4}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x4x64xf32>)
  return
}

// -----

// decode_attention: output element type follows the query.
func.func @decode_attention_output_element_type_follows_the_query(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf16>) {
  // expected-error @+1 {{'init' element type must match 'query'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf16>)
  return
}

// -----

// decode_attention: f64 query (ODS).
func.func @decode_attention_f64_query(%q: tensor<1x8x64xf64>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x8x64xf64>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf64>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// decode_attention: f64 scale (ODS).
func.func @decode_attention_f64_scale(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>) {scale = 1.0 : f64}
  return
}

// -----

// result type differs from init (inferred from init, generic form).
func.func @result_type_differs_from_init(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x8x64xf32>' are incompatible with return type(s) of operation 'tensor<1x8x64xf16>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "spotlight.decode_attention"(%q, %k, %v, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf16>
  return
}

// -----

// hamming_topk result differs from init (generic form).
func.func @hamming_topk_result_differs_from_init(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x2x88xi32>' are incompatible with return type(s) of operation 'tensor<1x2x89xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = #spotlight<mode group>, operandSegmentSizes = array<i32: 1, 1, 0, 0, 1>}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x89xi32>
  return
}

// -----

// hamming_topk mode that is not a selection mode (generic form).
func.func @hamming_topk_mode_that_is_not_a_selection_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{attribute 'mode' failed to satisfy constraint: which scores share one selected token set}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) {budget = 20 : i64, mode = 1 : i32} : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

// hamming_topk mode property that is not a selection mode (generic form).
func.func @hamming_topk_mode_property_that_is_not_a_selection_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{Invalid attribute `mode` in property conversion: 1 : i32}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = 1 : i32}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

// hamming_topk without a mode (generic form).
func.func @hamming_topk_without_a_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{requires attribute 'mode'}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 1>}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

// sparse_gather with a missing operand (generic form).
func.func @sparse_gather_with_a_missing_operand(%cache: tensor<1x2x?x64xf32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{expected 3 operands, but found 2}}
  %0 = "spotlight.sparse_gather"(%cache, %init) : (tensor<1x2x?x64xf32>, tensor<1x2x88x64xf32>) -> tensor<1x2x88x64xf32>
  return
}

// -----

// decode_attention on tensors without a result (generic form).
func.func @decode_attention_without_a_result(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x8x64xf32>' are incompatible with return type(s) of operation}}
  // expected-error @+1 {{failed to infer returned types}}
  "spotlight.decode_attention"(%q, %k, %v, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> ()
  return
}

// -----

func.func @attention_dynamic_head_dim(%q: tensor<1x8x?xf32>, %k: tensor<1x2x?x?xf32>, %v: tensor<1x2x?x?xf32>, %o: tensor<1x8x?xf32>) -> tensor<1x8x?xf32> {
  // expected-error @+1 {{'query' dimension 2 (D) must be static}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>) outs(%o : tensor<1x8x?xf32>)
  return %0 : tensor<1x8x?xf32>
}

// -----

func.func @attention_no_query_heads(%q: tensor<1x0x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %i: tensor<1x2x5xi32>, %o: tensor<1x0x64xf32>) -> tensor<1x0x64xf32> {
  // expected-error @+1 {{'query' must have at least one head}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %i : tensor<1x0x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x5xi32>) outs(%o : tensor<1x0x64xf32>)
  return %0 : tensor<1x0x64xf32>
}

// -----

func.func @topk_no_query_heads(%qc: tensor<1x0x1x2xi32>, %kc: tensor<1x2x?x1x2xi32>, %init: tensor<1x2x30xi32>) -> tensor<1x2x30xi32> {
  // expected-error @+1 {{'query_codes' must have at least one head}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x0x1x2xi32>, tensor<1x2x?x1x2xi32>) outs(%init : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x2x30xi32>
}

// -----

func.func @topk_sink_overflow(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x5xi32>) -> tensor<1x2x5xi32> {
  // expected-error @+1 {{'sink', 'window' and the budgets must fit i32 token positions (at most 2147483647)}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x5xi32>) {budget = 1 : i64, sink = 9223372036854775806 : i64, window = 1 : i64}
  return %0 : tensor<1x2x5xi32>
}

// -----

// hamming_topk: the query codes' dimension 2 must be a static 1 (a dynamic
// one used to pass, then fail inside the reference lowering).
func.func @hamming_topk_dynamic_query_code_dim(%qc: tensor<1x8x?x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{'query_codes' dimension 2 (one code per query head) must be static}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x?x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// Element counts beyond int64: the lowerings flatten operands (this used to
// exhaust memory in convert-spotlight-to-cpu).
func.func @sparse_attention_too_many_elements(%q: tensor<1x4611686018427387904x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x4611686018427387904x64xf32>) {
  // expected-error @+1 {{operand #0 ('tensor<1x4611686018427387904x64xf32>') has more elements than int64 can count}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x4611686018427387904x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x4611686018427387904x64xf32>)
  return
}

// -----

// The head dim of a gathered cache is the vector width of every lowering.
func.func @sparse_gather_dynamic_head_dim(%cache: tensor<1x2x?x?xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'cache' dimension 3 (D) must be static}}
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x?xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

// The largest score of a set must fit 16 bits: every lowering keeps a
// histogram bin per score (a group of 2^62 query heads overflowed their
// arithmetic; found by fuzz-dialect).
func.func @hamming_topk_score_beyond_16_bits(%qc: tensor<1x4611686018427387904x1x1xi32>, %kc: tensor<1x1x?x1x1xi32>, %init: tensor<1x1x30xi32>) {
  // expected-error @+1 {{the largest score (32 x W code bits x G query heads per set) must fit 16 bits (at most 65535), got 32 x 1 x 4611686018427387904}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x4611686018427387904x1x1xi32>, tensor<1x1x?x1x1xi32>) outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// -----

// 2048 code bits (W = 64) for each of 32 query heads scored together.
func.func @hamming_topk_score_group_too_wide(%qc: tensor<1x32x1x64xi32>, %kc: tensor<1x1x?x1x64xi32>, %init: tensor<1x1x30xi32>) {
  // expected-error @+1 {{must fit 16 bits (at most 65535), got 32 x 64 x 32}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x32x1x64xi32>, tensor<1x1x?x1x64xi32>) outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// -----

// Codes of zero words score nothing: they hid a group of 2^62 query heads
// from the score bound, and the GPU lowering ran for minutes on it (found by
// fuzz-dialect).
func.func @hamming_topk_zero_code_words(%qc: tensor<1x4611686018427387904x1x0xi32>, %kc: tensor<1x1x?x1x0xi32>, %init: tensor<1x1x30xi32>) {
  // expected-error @+1 {{'query_codes' must have at least one code word (W)}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x4611686018427387904x1x0xi32>, tensor<1x1x?x1x0xi32>) outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// -----

// masked_attention: the mask must have one entry per gathered row slot.
func.func @masked_attention_mask_slots(%q: tensor<1x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>, %m: tensor<1x2x15xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'mask' dimension 2 (M) must be 16, got 15}}
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x15xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// masked_attention: the rows' S must divide the query heads.
func.func @masked_attention_sets_not_dividing(%q: tensor<1x8x64xf32>, %k: tensor<1x3x16x64xf32>, %v: tensor<1x3x16x64xf32>, %m: tensor<1x3x16xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (3)}}
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x8x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// The paged form and cache_write
//===----------------------------------------------------------------------===//

func.func @paged_table_batch(%qc: tensor<8x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>, %bt: tensor<4x?xi32>, %sl: tensor<8xi32>, %i: tensor<8x2x30xi32>) -> tensor<8x2x30xi32> {
  // expected-error @+1 {{'block_table' dimension 0 (B) must be 8, got 4}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<8x8x1x2xi32>, tensor<?x16x2x4x2xi32>) pages(%bt, %sl : tensor<4x?xi32>, tensor<8xi32>) outs(%i : tensor<8x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<8x2x30xi32>
}

// -----

func.func @paged_seq_lens_rank(%qc: tensor<8x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>, %bt: tensor<8x?xi32>, %sl: tensor<8x1xi32>, %i: tensor<8x2x30xi32>) -> tensor<8x2x30xi32> {
  // expected-error @+1 {{'seq_lens' must have rank 1 [B], got 'tensor<8x1xi32>'}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<8x8x1x2xi32>, tensor<?x16x2x4x2xi32>) pages(%bt, %sl : tensor<8x?xi32>, tensor<8x1xi32>) outs(%i : tensor<8x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<8x2x30xi32>
}

// -----

func.func @paged_codes_heads(%qc: tensor<8x8x1x2xi32>, %kc: tensor<?x16x3x4x2xi32>, %bt: tensor<8x?xi32>, %sl: tensor<8xi32>, %i: tensor<8x2x30xi32>) -> tensor<8x2x30xi32> {
  // expected-error @+1 {{query heads (8) must be a multiple of KV heads (3)}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<8x8x1x2xi32>, tensor<?x16x3x4x2xi32>) pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>) outs(%i : tensor<8x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<8x2x30xi32>
}

// -----

func.func @paged_page_size(%q: tensor<2x8x64xf32>, %k: tensor<?x16x2x64xf32>, %v: tensor<?x8x2x64xf32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %o: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{'value_cache' dimension 1 (same as key_cache) must be 16, got 8}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<2x8x64xf32>, tensor<?x16x2x64xf32>, tensor<?x8x2x64xf32>) pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%o : tensor<2x8x64xf32>)
  return %0 : tensor<2x8x64xf32>
}

// -----

func.func @paged_half(%q: tensor<2x8x64xf32>, %k: tensor<?x16x2x64xf32>, %bt: tensor<2x?xi32>, %o: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{'block_table' and 'seq_lens' go together}}
  %0 = "spotlight.decode_attention"(%q, %k, %k, %bt, %o) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1>}> : (tensor<2x8x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<2x?xi32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

func.func @write_codes_words(%k: tensor<?x2x64xf32>, %c: tensor<?x2x4x3xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x4x2xi32>) {
  // expected-error @+1 {{'codes' dimension 3 (W = D/32) must be 2, got 3}}
  %0:3 = spotlight.cache_write ins(%k, %k, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xf32>, tensor<?x2x4x3xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x4x2xi32>)
  return
}

// -----

// A dynamic KV head count of the codes reached the GPU lowering's row
// arithmetic as -2^63 (found by fuzz-dialect).
func.func @write_codes_dynamic_heads(%k: tensor<?x2x64xf32>, %c: tensor<?x?x4x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x4x2xi32>) {
  // expected-error @+1 {{'codes' dimension 1 (KH) must be static}}
  %0:3 = spotlight.cache_write ins(%k, %k, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xf32>, tensor<?x?x4x2xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x4x2xi32>)
  return
}

// -----

func.func @write_values_dynamic_dim(%k: tensor<?x2x64xf32>, %v: tensor<?x2x?xf32>, %c: tensor<?x2x4x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x4x2xi32>) {
  // expected-error @+1 {{'values' dimension 2 (D) must be static}}
  %0:3 = spotlight.cache_write ins(%k, %v, %c, %s : tensor<?x2x64xf32>, tensor<?x2x?xf32>, tensor<?x2x4x2xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x4x2xi32>)
  return
}

// -----

func.func @write_page_size(%k: tensor<?x2x64xf32>, %c: tensor<?x2x4x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x8x2x4x2xi32>) {
  // expected-error @+1 {{'code_cache' dimension 1 (page_size, as key_cache) must be 16, got 8}}
  %0:3 = spotlight.cache_write ins(%k, %k, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xf32>, tensor<?x2x4x2xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x8x2x4x2xi32>)
  return
}

// -----

func.func @write_type(%k: tensor<?x2x64xf32>, %v: tensor<?x2x64xbf16>, %c: tensor<?x2x4x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x4x2xi32>) {
  // expected-error @+1 {{'value_cache' element type must match 'values'}}
  %0:3 = spotlight.cache_write ins(%k, %v, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xbf16>, tensor<?x2x4x2xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x4x2xi32>)
  return
}

// -----

// partial_decode_attention: the partial output is f32, for merging.
func.func @partial_output_type(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>, %o: tensor<1x8x64xbf16>, %lse: tensor<1x8xf32>) {
  // expected-error @+1 {{operand #3 must be}}
  %0:2 = spotlight.partial_decode_attention ins(%q, %k, %k : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) outs(%o, %lse : tensor<1x8x64xbf16>, tensor<1x8xf32>)
  return
}

// -----

// partial_decode_attention: one log-sum-exp per sequence and query head.
func.func @partial_lse_shape(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>, %o: tensor<1x8x64xf32>, %lse: tensor<1x2xf32>) {
  // expected-error @+1 {{'lse' dimension 1 (same as query) must be 8, got 2}}
  %0:2 = spotlight.partial_decode_attention ins(%q, %k, %k : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) outs(%o, %lse : tensor<1x8x64xf32>, tensor<1x2xf32>)
  return
}

// -----

// partial_decode_attention: the pages of decode_attention.
func.func @partial_pages(%q: tensor<2x8x64xbf16>, %kp: tensor<?x16x2x64xbf16>, %bt: tensor<3x?xi32>, %sl: tensor<2xi32>, %o: tensor<2x8x64xf32>, %lse: tensor<2x8xf32>) {
  // expected-error @+1 {{'block_table' dimension 0 (B) must be 2, got 3}}
  %0:2 = spotlight.partial_decode_attention ins(%q, %kp, %kp : tensor<2x8x64xbf16>, tensor<?x16x2x64xbf16>, tensor<?x16x2x64xbf16>) pages(%bt, %sl : tensor<3x?xi32>, tensor<2xi32>) outs(%o, %lse : tensor<2x8x64xf32>, tensor<2x8xf32>)
  return
}

// -----

// merge_attention: a log-sum-exp per part, sequence and head.
func.func @merge_lses_shape(%parts: tensor<3x1x8x64xf32>, %lses: tensor<2x1x8xf32>, %o: tensor<1x8x64xbf16>) {
  // expected-error @+1 {{'lses' dimension 0 (same as outputs) must be 3, got 2}}
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<3x1x8x64xf32>, tensor<2x1x8xf32>) outs(%o : tensor<1x8x64xbf16>)
  return
}

// -----

// merge_attention: the output has the parts' sequences, heads and D.
func.func @merge_init_shape(%parts: tensor<3x1x8x64xf32>, %lses: tensor<3x1x8xf32>, %o: tensor<1x8x32xbf16>) {
  // expected-error @+1 {{'init' dimension 2 (same as outputs) must be 64, got 32}}
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<3x1x8x64xf32>, tensor<3x1x8xf32>) outs(%o : tensor<1x8x32xbf16>)
  return
}

// -----

func.func @merge_rank(%parts: tensor<1x8x64xf32>, %lses: tensor<3x1x8xf32>, %o: tensor<1x8x64xbf16>) {
  // expected-error @+1 {{'outputs' must have rank 4 [R, B, QH, D]}}
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<1x8x64xf32>, tensor<3x1x8xf32>) outs(%o : tensor<1x8x64xbf16>)
  return
}

// -----

// merge_attention: the lowerings unroll over static heads and D.
func.func @merge_dynamic_dim(%parts: tensor<3x1x8x?xf32>, %lses: tensor<3x1x8xf32>, %o: tensor<1x8x?xbf16>) {
  // expected-error @+1 {{'init' dimension 2 (D) must be static}}
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<3x1x8x?xf32>, tensor<3x1x8xf32>) outs(%o : tensor<1x8x?xbf16>)
  return
}

// -----

// hash_encode: a head dim of 0 is no multiple of 32 a lowering can tile
// (the CPU lowering divided by it).
func.func @hash_encode_empty_head_dim(%x: tensor<2x8x0xbf16>, %w1: tensor<8x0x0xf32>,
    %b1: tensor<8x0xf32>, %w2: tensor<8x0x0xf32>, %b2: tensor<8x0xf32>,
    %init: tensor<2x8x1x0xi32>) -> tensor<2x8x1x0xi32> {
  // expected-error @+1 {{'input' head dim D must be a positive multiple of 32, got 0}}
  %0 = spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : tensor<2x8x0xbf16>,
      tensor<8x0x0xf32>, tensor<8x0xf32>, tensor<8x0x0xf32>, tensor<8x0xf32>)
      outs(%init : tensor<2x8x1x0xi32>)
  return %0 : tensor<2x8x1x0xi32>
}

// -----

// cache_write: the same for the keys it hashes into codes.
func.func @cache_write_empty_head_dim(%k: tensor<?x2x0xbf16>, %v: tensor<?x2x0xbf16>,
    %c: tensor<?x2x4x0xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x0xbf16>,
    %vp: tensor<?x16x2x0xbf16>, %cp: tensor<?x16x2x4x0xi32>) {
  // expected-error @+1 {{'keys' head dim D must be a positive multiple of 32, got 0}}
  %0:3 = spotlight.cache_write ins(%k, %v, %c, %s : tensor<?x2x0xbf16>,
      tensor<?x2x0xbf16>, tensor<?x2x4x0xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x16x2x0xbf16>, tensor<?x16x2x0xbf16>, tensor<?x16x2x4x0xi32>)
  return
}

// -----

// cache_write: pages of no token.
func.func @cache_write_empty_pages(%k: tensor<?x2x32xbf16>, %v: tensor<?x2x32xbf16>,
    %c: tensor<?x2x4x1xi32>, %s: tensor<?xi32>, %kp: tensor<?x0x2x32xbf16>,
    %vp: tensor<?x0x2x32xbf16>, %cp: tensor<?x0x2x4x1xi32>) {
  // expected-error @+1 {{'key_cache' page_size must be positive}}
  %0:3 = spotlight.cache_write ins(%k, %v, %c, %s : tensor<?x2x32xbf16>,
      tensor<?x2x32xbf16>, tensor<?x2x4x1xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x0x2x32xbf16>, tensor<?x0x2x32xbf16>, tensor<?x0x2x4x1xi32>)
  return
}

// -----

// hamming_topk: a pool of pages of no token.
func.func @topk_empty_pages(%qc: tensor<2x8x1x2xi32>, %kc: tensor<?x0x2x4x2xi32>,
    %init: tensor<2x2x40xi32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>) -> tensor<2x2x40xi32> {
  // expected-error @+1 {{'key_codes' page_size must be positive}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<?x0x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%init : tensor<2x2x40xi32>)
      {budget = 20 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<2x2x40xi32>
}

// -----

// decode_attention: the same for K and V pools.
func.func @attention_empty_pages(%q: tensor<2x8x64xf32>, %k: tensor<?x0x2x64xf32>,
    %v: tensor<?x0x2x64xf32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>,
    %o: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{'key_cache' page_size must be positive}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<2x8x64xf32>,
      tensor<?x0x2x64xf32>, tensor<?x0x2x64xf32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%o : tensor<2x8x64xf32>)
  return %0 : tensor<2x8x64xf32>
}

// -----

// sparse_attention: a scale that is not finite makes every output NaN.
func.func @sparse_attention_nan_scale(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'scale' must be finite}}
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>,
      tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>)
      outs(%init : tensor<1x8x64xf32>) {scale = 0x7FC00000 : f32}
  return
}

// -----

// decode_attention: the same for an infinite scale.
func.func @decode_attention_infinite_scale(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'scale' must be finite}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32>,
      tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      outs(%init : tensor<1x8x64xf32>) {scale = 0x7F800000 : f32}
  return
}

// -----

// An encoded tensor (a sparse layout, say) would be lowered as a dense one.
func.func @encoded_query(%q: tensor<1x8x64xf32, "csr">, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{operand #0 ('tensor<1x8x64xf32, "csr">') has an encoding: the ops take dense tensors}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x64xf32, "csr">,
      tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}
