// RUN: spotlight-opt %s | spotlight-opt | FileCheck %s
// RUN: spotlight-opt %s --mlir-print-op-generic | spotlight-opt | FileCheck %s

// Round trip of every spotlight op through the custom assembly format (and,
// on the second RUN line, through the generic form).

//===----------------------------------------------------------------------===//
// hash_encode
//===----------------------------------------------------------------------===//

// Queries (rank 3), CH = QH: one code per query head.
// CHECK-LABEL: func.func @hash_encode_query_ch_eq_qh
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x64xf32>, %[[W1:.+]]: tensor<8x64x64xf32>, %[[B1:.+]]: tensor<8x64xf32>, %[[W2:.+]]: tensor<8x64x64xf32>, %[[B2:.+]]: tensor<8x64xf32>, %[[INIT:.+]]: tensor<1x8x1x2xi32>)
// CHECK:         %[[R:.+]] = spotlight.hash_encode ins(%[[X]], %[[W1]], %[[B1]], %[[W2]], %[[B2]] : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>) outs(%[[INIT]] : tensor<1x8x1x2xi32>){{$}}
// CHECK-NEXT:    return %[[R]] : tensor<1x8x1x2xi32>
func.func @hash_encode_query_ch_eq_qh(%x: tensor<1x8x64xf32>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>,
    %init: tensor<1x8x1x2xi32>) -> tensor<1x8x1x2xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%init : tensor<1x8x1x2xi32>)
  return %0 : tensor<1x8x1x2xi32>
}

// Queries (rank 3), CH = KH < QH: query head h uses code head h / (QH / CH).
// CHECK-LABEL: func.func @hash_encode_query_ch_eq_kh
// CHECK:         spotlight.hash_encode ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x64xbf16>, tensor<2x64x64xbf16>, tensor<2x64xbf16>, tensor<2x64x64xbf16>, tensor<2x64xbf16>)
// CHECK-SAME:      outs(%{{.+}} : tensor<1x8x1x2xi32>)
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

// Keys (rank 4, dynamic N), CH = QH: C = QH / KH = 4 codes per key; bf16 keys
// with f32 weights.
// CHECK-LABEL: func.func @hash_encode_keys_ch_eq_qh
// CHECK:         spotlight.hash_encode ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x2x?x64xbf16>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
// CHECK-SAME:      outs(%{{.+}} : tensor<1x2x?x4x2xi32>)
func.func @hash_encode_keys_ch_eq_qh(%k: tensor<1x2x?x64xbf16>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>,
    %init: tensor<1x2x?x4x2xi32>) -> tensor<1x2x?x4x2xi32> {
  %0 = spotlight.hash_encode
      ins(%k, %w1, %b1, %w2, %b2 : tensor<1x2x?x64xbf16>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%init : tensor<1x2x?x4x2xi32>)
  return %0 : tensor<1x2x?x4x2xi32>
}

// Keys (rank 4), CH = KH: one code per key; f16 keys and f16 weights, D = 128,
// dynamic B and N.
// CHECK-LABEL: func.func @hash_encode_keys_ch_eq_kh
// CHECK:         spotlight.hash_encode ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x?x128xf16>, tensor<4x128x128xf16>, tensor<4x128xf16>, tensor<4x128x128xf16>, tensor<4x128xf16>)
// CHECK-SAME:      outs(%{{.+}} : tensor<?x4x?x1x4xi32>)
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

// Mixed weight element types (f32, bf16, f16, f32) are accepted as is.
// CHECK-LABEL: func.func @hash_encode_mixed_weight_types
// CHECK:         spotlight.hash_encode ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x4x32xf16>, tensor<4x32x32xf32>, tensor<4x32xbf16>, tensor<4x32x32xf16>, tensor<4x32xf32>)
// CHECK-SAME:      outs(%{{.+}} : tensor<2x4x1x1xi32>)
func.func @hash_encode_mixed_weight_types(%x: tensor<2x4x32xf16>,
    %w1: tensor<4x32x32xf32>, %b1: tensor<4x32xbf16>,
    %w2: tensor<4x32x32xf16>, %b2: tensor<4x32xf32>,
    %init: tensor<2x4x1x1xi32>) -> tensor<2x4x1x1xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<2x4x32xf16>, tensor<4x32x32xf32>,
          tensor<4x32xbf16>, tensor<4x32x32xf16>, tensor<4x32xf32>)
      outs(%init : tensor<2x4x1x1xi32>)
  return %0 : tensor<2x4x1x1xi32>
}

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

// Group mode, count budget with the default sink (4) and window (64):
// M = 4 + 64 + 20 = 88. Default-valued attributes are not printed.
// CHECK-LABEL: func.func @hamming_topk_group_count
// CHECK-SAME:    (%[[QC:.+]]: tensor<1x8x1x2xi32>, %[[KC:.+]]: tensor<1x2x?x4x2xi32>, %[[INIT:.+]]: tensor<1x2x88xi32>)
// CHECK:         %[[R:.+]] = spotlight.hamming_topk group ins(%[[QC]], %[[KC]] : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%[[INIT]] : tensor<1x2x88xi32>) {budget = 20 : i64}{{$}}
// CHECK-NEXT:    return %[[R]]
func.func @hamming_topk_group_count(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) -> tensor<1x2x88xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return %0 : tensor<1x2x88xi32>
}

// Explicitly spelled defaults are elided on printing.
// CHECK-LABEL: func.func @hamming_topk_explicit_defaults
// CHECK:         spotlight.hamming_topk group
// CHECK-SAME:      {budget = 20 : i64}{{$}}
func.func @hamming_topk_explicit_defaults(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) -> tensor<1x2x88xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x88xi32>)
      {budget = 20 : i64, sink = 4 : i64, window = 64 : i64, min_budget = 20 : i64}
  return %0 : tensor<1x2x88xi32>
}

// Head mode (S = QH), count budget, non-default sink and window:
// M = 2 + 16 + 10 = 28.
// CHECK-LABEL: func.func @hamming_topk_head_count
// CHECK:         spotlight.hamming_topk head ins(%{{.+}}, %{{.+}} : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%{{.+}} : tensor<1x8x28xi32>)
// CHECK-SAME:      {budget = 10 : i64, sink = 2 : i64, window = 16 : i64}{{$}}
func.func @hamming_topk_head_count(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x28xi32>) -> tensor<1x8x28xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x8x28xi32>) {budget = 10 : i64, sink = 2 : i64, window = 16 : i64}
  return %0 : tensor<1x8x28xi32>
}

// Group mode with one key code per KV head (C = 1, CH = KH), count budget,
// zero sink and window.
// CHECK-LABEL: func.func @hamming_topk_group_single_key_code
// CHECK:         spotlight.hamming_topk group ins(%{{.+}}, %{{.+}} : tensor<2x8x1x4xi32>, tensor<2x2x?x1x4xi32>) outs(%{{.+}} : tensor<2x2x5xi32>)
// CHECK-SAME:      {budget = 5 : i64, sink = 0 : i64, window = 0 : i64}{{$}}
func.func @hamming_topk_group_single_key_code(%qc: tensor<2x8x1x4xi32>,
    %kc: tensor<2x2x?x1x4xi32>, %init: tensor<2x2x5xi32>) -> tensor<2x2x5xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<2x8x1x4xi32>, tensor<2x2x?x1x4xi32>)
      outs(%init : tensor<2x2x5xi32>) {budget = 5 : i64, sink = 0 : i64, window = 0 : i64}
  return %0 : tensor<2x2x5xi32>
}

// Group mode, fraction budget, dynamic slot dim M.
// CHECK-LABEL: func.func @hamming_topk_group_fraction_dynamic
// CHECK:         spotlight.hamming_topk group ins(%{{.+}}, %{{.+}} : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%{{.+}} : tensor<1x2x?xi32>)
// CHECK-SAME:      {budget = 2.000000e-02 : f64}{{$}}
func.func @hamming_topk_group_fraction_dynamic(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x?xi32>) -> tensor<1x2x?xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<1x2x?xi32>
}

// Head mode, fraction budget 1.0 (the upper bound), static M at exactly
// sink + window + min_budget = 1 + 8 + 3 = 12.
// CHECK-LABEL: func.func @hamming_topk_head_fraction_static
// CHECK:         spotlight.hamming_topk head ins(%{{.+}}, %{{.+}} : tensor<1x4x1x1xi32>, tensor<1x4x?x1x1xi32>) outs(%{{.+}} : tensor<1x4x12xi32>)
// CHECK-SAME:      {budget = 1.000000e+00 : f64, min_budget = 3 : i64, sink = 1 : i64, window = 8 : i64}{{$}}
func.func @hamming_topk_head_fraction_static(%qc: tensor<1x4x1x1xi32>,
    %kc: tensor<1x4x?x1x1xi32>, %init: tensor<1x4x12xi32>) -> tensor<1x4x12xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x4x1x1xi32>, tensor<1x4x?x1x1xi32>)
      outs(%init : tensor<1x4x12xi32>)
      {budget = 1.0 : f64, sink = 1 : i64, window = 8 : i64, min_budget = 3 : i64}
  return %0 : tensor<1x4x12xi32>
}

// Fraction budget with a static M larger than the minimum (a caller's
// capacity) and min_budget = 0.
// CHECK-LABEL: func.func @hamming_topk_group_fraction_capacity
// CHECK:         spotlight.hamming_topk group
// CHECK-SAME:      outs(%{{.+}} : tensor<1x2x512xi32>) {budget = 1.250000e-01 : f64, min_budget = 0 : i64}{{$}}
func.func @hamming_topk_group_fraction_capacity(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x512xi32>) -> tensor<1x2x512xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x512xi32>) {budget = 0.125 : f64, min_budget = 0 : i64}
  return %0 : tensor<1x2x512xi32>
}

//===----------------------------------------------------------------------===//
// hamming_scores / score_topk
//===----------------------------------------------------------------------===//

// The scan of a token range of each paged sequence (group mode: V = 32 x W
// x G + 1 = 257 bins), then the selection from two ranges' histograms.
// CHECK-LABEL: func.func @hamming_scores_paged
// CHECK:         %{{.+}}:2 = spotlight.hamming_scores group ins(%{{.+}}, %{{.+}} : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>) pages(%{{.+}}, %{{.+}} : tensor<2x?xi32>, tensor<2xi32>) ranges(%{{.+}} : tensor<2x2xi32>) outs(%{{.+}}, %{{.+}} : tensor<2x2x?xi32>, tensor<2x2x257xi32>) {sink = 2 : i64}{{$}}
func.func @hamming_scores_paged(%qc: tensor<2x8x1x2xi32>,
    %pool: tensor<?x16x2x4x2xi32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>,
    %ranges: tensor<2x2xi32>, %scores: tensor<2x2x?xi32>,
    %hist: tensor<2x2x257xi32>) -> (tensor<2x2x?xi32>, tensor<2x2x257xi32>) {
  %0:2 = spotlight.hamming_scores group
      ins(%qc, %pool : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      ranges(%ranges : tensor<2x2xi32>)
      outs(%scores, %hist : tensor<2x2x?xi32>, tensor<2x2x257xi32>)
      {sink = 2 : i64, window = 64 : i64}
  return %0#0, %0#1 : tensor<2x2x?xi32>, tensor<2x2x257xi32>
}

// CHECK-LABEL: func.func @score_topk_fraction
// CHECK:         spotlight.score_topk ins(%{{.+}}, %{{.+}} : tensor<2x2x?xi32>, tensor<3x2x2x257xi32>) lens(%{{.+}} : tensor<2xi32>) outs(%{{.+}} : tensor<2x2x?xi32>) {budget = 2.000000e-02 : f64}{{$}}
func.func @score_topk_fraction(%scores: tensor<2x2x?xi32>,
    %hists: tensor<3x2x2x257xi32>, %sl: tensor<2xi32>,
    %init: tensor<2x2x?xi32>) -> tensor<2x2x?xi32> {
  %0 = spotlight.score_topk ins(%scores, %hists : tensor<2x2x?xi32>, tensor<3x2x2x257xi32>)
      lens(%sl : tensor<2xi32>) outs(%init : tensor<2x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<2x2x?xi32>
}

//===----------------------------------------------------------------------===//
// sparse_gather
//===----------------------------------------------------------------------===//

// One index set per KV head (S = KH), bf16 cache.
// CHECK-LABEL: func.func @sparse_gather_group
// CHECK-SAME:    (%[[K:.+]]: tensor<1x2x?x64xbf16>, %[[IDX:.+]]: tensor<1x2x88xi32>, %[[INIT:.+]]: tensor<1x2x88x64xbf16>)
// CHECK:         %[[R:.+]] = spotlight.sparse_gather ins(%[[K]], %[[IDX]] : tensor<1x2x?x64xbf16>, tensor<1x2x88xi32>) outs(%[[INIT]] : tensor<1x2x88x64xbf16>){{$}}
// CHECK-NEXT:    return %[[R]]
func.func @sparse_gather_group(%k: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x88xi32>,
    %init: tensor<1x2x88x64xbf16>) -> tensor<1x2x88x64xbf16> {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xbf16>, tensor<1x2x88xi32>)
      outs(%init : tensor<1x2x88x64xbf16>)
  return %0 : tensor<1x2x88x64xbf16>
}

// One index set per query head (S = QH), f16 cache, dynamic B and M.
// CHECK-LABEL: func.func @sparse_gather_head
// CHECK:         spotlight.sparse_gather ins(%{{.+}}, %{{.+}} : tensor<?x2x?x128xf16>, tensor<?x8x?xi32>) outs(%{{.+}} : tensor<?x8x?x128xf16>){{$}}
func.func @sparse_gather_head(%v: tensor<?x2x?x128xf16>, %idx: tensor<?x8x?xi32>,
    %init: tensor<?x8x?x128xf16>) -> tensor<?x8x?x128xf16> {
  %0 = spotlight.sparse_gather ins(%v, %idx : tensor<?x2x?x128xf16>, tensor<?x8x?xi32>)
      outs(%init : tensor<?x8x?x128xf16>)
  return %0 : tensor<?x8x?x128xf16>
}

// f32 cache.
// CHECK-LABEL: func.func @sparse_gather_f32
// CHECK:         spotlight.sparse_gather ins(%{{.+}}, %{{.+}} : tensor<1x4x16x32xf32>, tensor<1x4x3xi32>) outs(%{{.+}} : tensor<1x4x3x32xf32>){{$}}
func.func @sparse_gather_f32(%v: tensor<1x4x16x32xf32>, %idx: tensor<1x4x3xi32>,
    %init: tensor<1x4x3x32xf32>) -> tensor<1x4x3x32xf32> {
  %0 = spotlight.sparse_gather ins(%v, %idx : tensor<1x4x16x32xf32>, tensor<1x4x3xi32>)
      outs(%init : tensor<1x4x3x32xf32>)
  return %0 : tensor<1x4x3x32xf32>
}

//===----------------------------------------------------------------------===//
// sparse_attention
//===----------------------------------------------------------------------===//

// Group selection (S = KH), f32, default scale.
// CHECK-LABEL: func.func @sparse_attention_group
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[K:.+]]: tensor<1x2x?x64xf32>, %[[V:.+]]: tensor<1x2x?x64xf32>, %[[IDX:.+]]: tensor<1x2x30xi32>, %[[INIT:.+]]: tensor<1x8x64xf32>)
// CHECK:         %[[R:.+]] = spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x30xi32>) outs(%[[INIT]] : tensor<1x8x64xf32>){{$}}
// CHECK-NEXT:    return %[[R]]
func.func @sparse_attention_group(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x30xi32>,
    %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>,
          tensor<1x2x?x64xf32>, tensor<1x2x30xi32>)
      outs(%init : tensor<1x8x64xf32>)
  return %0 : tensor<1x8x64xf32>
}

// Head selection (S = QH), bf16, explicit scale, dynamic M.
// CHECK-LABEL: func.func @sparse_attention_head_scale
// CHECK:         spotlight.sparse_attention ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x8x?xi32>) outs(%{{.+}} : tensor<1x8x128xbf16>)
// CHECK-SAME:      {scale = 1.250000e-01 : f32}{{$}}
func.func @sparse_attention_head_scale(%q: tensor<1x8x128xbf16>,
    %k: tensor<1x2x?x128xbf16>, %v: tensor<1x2x?x128xbf16>,
    %idx: tensor<1x8x?xi32>, %init: tensor<1x8x128xbf16>) -> tensor<1x8x128xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x128xbf16>, tensor<1x2x?x128xbf16>,
          tensor<1x2x?x128xbf16>, tensor<1x8x?xi32>)
      outs(%init : tensor<1x8x128xbf16>) {scale = 0.125 : f32}
  return %0 : tensor<1x8x128xbf16>
}

// f16 query and output over a bf16 K and an f32 V cache; MHA (QH = KH = S).
// CHECK-LABEL: func.func @sparse_attention_mixed_types
// CHECK:         spotlight.sparse_attention ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x4x32xf16>, tensor<2x4x?x32xbf16>, tensor<2x4x?x32xf32>, tensor<2x4x6xi32>) outs(%{{.+}} : tensor<2x4x32xf16>){{$}}
func.func @sparse_attention_mixed_types(%q: tensor<2x4x32xf16>,
    %k: tensor<2x4x?x32xbf16>, %v: tensor<2x4x?x32xf32>,
    %idx: tensor<2x4x6xi32>, %init: tensor<2x4x32xf16>) -> tensor<2x4x32xf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<2x4x32xf16>, tensor<2x4x?x32xbf16>,
          tensor<2x4x?x32xf32>, tensor<2x4x6xi32>)
      outs(%init : tensor<2x4x32xf16>)
  return %0 : tensor<2x4x32xf16>
}

//===----------------------------------------------------------------------===//
// decode_attention
//===----------------------------------------------------------------------===//

// GQA, f32, default scale.
// CHECK-LABEL: func.func @decode_attention_f32
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[K:.+]]: tensor<1x2x?x64xf32>, %[[V:.+]]: tensor<1x2x?x64xf32>, %[[INIT:.+]]: tensor<1x8x64xf32>)
// CHECK:         %[[R:.+]] = spotlight.decode_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%[[INIT]] : tensor<1x8x64xf32>){{$}}
// CHECK-NEXT:    return %[[R]]
func.func @decode_attention_f32(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      outs(%init : tensor<1x8x64xf32>)
  return %0 : tensor<1x8x64xf32>
}

// MHA, bf16, explicit scale, dynamic B.
// CHECK-LABEL: func.func @decode_attention_bf16_scale
// CHECK:         spotlight.decode_attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>) outs(%{{.+}} : tensor<?x4x128xbf16>)
// CHECK-SAME:      {scale = 5.000000e-01 : f32}{{$}}
func.func @decode_attention_bf16_scale(%q: tensor<?x4x128xbf16>,
    %k: tensor<?x4x?x128xbf16>, %v: tensor<?x4x?x128xbf16>,
    %init: tensor<?x4x128xbf16>) -> tensor<?x4x128xbf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<?x4x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>)
      outs(%init : tensor<?x4x128xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<?x4x128xbf16>
}

// f16 query and output over f32 caches.
// CHECK-LABEL: func.func @decode_attention_mixed_types
// CHECK:         spotlight.decode_attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x4x32xf16>, tensor<1x1x16x32xf32>, tensor<1x1x16x32xf32>) outs(%{{.+}} : tensor<1x4x32xf16>){{$}}
func.func @decode_attention_mixed_types(%q: tensor<1x4x32xf16>,
    %k: tensor<1x1x16x32xf32>, %v: tensor<1x1x16x32xf32>,
    %init: tensor<1x4x32xf16>) -> tensor<1x4x32xf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x32xf16>, tensor<1x1x16x32xf32>, tensor<1x1x16x32xf32>)
      outs(%init : tensor<1x4x32xf16>)
  return %0 : tensor<1x4x32xf16>
}

//===----------------------------------------------------------------------===//
// A whole decode step
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @decode_step
// CHECK:         %[[QC:.+]] = spotlight.hash_encode ins(%[[Q:[^,]+]],
// CHECK:         %[[IDX:.+]] = spotlight.hamming_topk group ins(%[[QC]], %{{.+}} :
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%[[Q]], %{{.+}}, %{{.+}}, %[[IDX]] :
// CHECK:         return %[[O]], %[[IDX]]
func.func @decode_step(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %kc: tensor<1x2x?x4x2xi32>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>)
    -> (tensor<1x8x64xf32>, tensor<1x2x30xi32>) {
  %e = tensor.empty() : tensor<1x8x1x2xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%e : tensor<1x8x1x2xi32>)
  %ie = tensor.empty() : tensor<1x2x30xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%ie : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  %oe = tensor.empty() : tensor<1x8x64xf32>
  %o = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>,
          tensor<1x2x?x64xf32>, tensor<1x2x30xi32>)
      outs(%oe : tensor<1x8x64xf32>)
  return %o, %idx : tensor<1x8x64xf32>, tensor<1x2x30xi32>
}

//===----------------------------------------------------------------------===//
// masked_attention
//===----------------------------------------------------------------------===//

// Gathered rows [B, S, M, D] masked by [B, S, M] (the unfused form).
// CHECK-LABEL: func.func @masked_attention
// CHECK:         spotlight.masked_attention ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x28x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88xi32>) outs(%{{.+}} : tensor<1x28x128xbf16>) {scale = 5.000000e-01 : f32}
func.func @masked_attention(%q: tensor<1x28x128xbf16>, %k: tensor<1x4x88x128xbf16>, %v: tensor<1x4x88x128xbf16>, %m: tensor<1x4x88xi32>, %init: tensor<1x28x128xbf16>) -> tensor<1x28x128xbf16> {
  %0 = spotlight.masked_attention ins(%q, %k, %v, %m : tensor<1x28x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88x128xbf16>, tensor<1x4x88xi32>) outs(%init : tensor<1x28x128xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x28x128xbf16>
}

// On memrefs: no result.
// CHECK-LABEL: func.func @masked_attention_memref
// CHECK:         spotlight.masked_attention ins(%{{.+}} : memref<1x8x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16xi32>) outs(%{{.+}} : memref<1x8x64xf32>)
func.func @masked_attention_memref(%q: memref<1x8x64xf32>, %k: memref<1x8x16x64xf32>, %v: memref<1x8x16x64xf32>, %m: memref<1x8x16xi32>, %out: memref<1x8x64xf32>) {
  spotlight.masked_attention ins(%q, %k, %v, %m : memref<1x8x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16x64xf32>, memref<1x8x16xi32>) outs(%out : memref<1x8x64xf32>)
  return
}

//===----------------------------------------------------------------------===//
// The paged form (block_table, seq_lens) and cache_write
//===----------------------------------------------------------------------===//

// A ragged batch of 8 over 16-token pages: write, select, attend, dense.
// CHECK-LABEL: func.func @paged_step
// CHECK:         %[[W:.+]]:3 = spotlight.cache_write ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x7x4xi32>, tensor<?xi32>) outs(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x7x4xi32>)
// CHECK:         %[[IDX:.+]] = spotlight.hamming_topk group ins(%{{.+}}, %[[W]]#2 : tensor<8x28x1x4xi32>, tensor<?x16x4x7x4xi32>) pages(%[[BT:.+]], %[[SL:.+]] : tensor<8x?xi32>, tensor<8xi32>) outs(%{{.+}} : tensor<8x4x?xi32>) {budget = 2.000000e-02 : f64}
// CHECK:         spotlight.sparse_attention ins(%{{.+}}, %[[W]]#0, %[[W]]#1, %[[IDX]] : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<8x4x?xi32>) pages(%[[BT]], %[[SL]] : tensor<8x?xi32>, tensor<8xi32>) outs(%{{.+}} : tensor<8x28x128xbf16>)
// CHECK:         spotlight.decode_attention ins(%{{.+}}, %[[W]]#0, %[[W]]#1 : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>) pages(%[[BT]], %[[SL]] : tensor<8x?xi32>, tensor<8xi32>) outs(%{{.+}} : tensor<8x28x128xbf16>)
func.func @paged_step(%k: tensor<?x4x128xbf16>, %v: tensor<?x4x128xbf16>,
    %codes: tensor<?x4x7x4xi32>, %slots: tensor<?xi32>,
    %kp: tensor<?x16x4x128xbf16>, %vp: tensor<?x16x4x128xbf16>,
    %cp: tensor<?x16x4x7x4xi32>, %q: tensor<8x28x128xbf16>,
    %qc: tensor<8x28x1x4xi32>, %bt: tensor<8x?xi32>, %sl: tensor<8xi32>,
    %ie: tensor<8x4x?xi32>, %oe: tensor<8x28x128xbf16>)
    -> (tensor<8x28x128xbf16>, tensor<8x28x128xbf16>) {
  %kp2, %vp2, %cp2 = spotlight.cache_write
      ins(%k, %v, %codes, %slots : tensor<?x4x128xbf16>, tensor<?x4x128xbf16>,
          tensor<?x4x7x4xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>,
           tensor<?x16x4x7x4xi32>)
  %idx = spotlight.hamming_topk group
      ins(%qc, %cp2 : tensor<8x28x1x4xi32>, tensor<?x16x4x7x4xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%ie : tensor<8x4x?xi32>) {budget = 0.02 : f64}
  %o = spotlight.sparse_attention
      ins(%q, %kp2, %vp2, %idx : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>,
          tensor<?x16x4x128xbf16>, tensor<8x4x?xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%oe : tensor<8x28x128xbf16>)
  %d = spotlight.decode_attention
      ins(%q, %kp2, %vp2 : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>,
          tensor<?x16x4x128xbf16>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%oe : tensor<8x28x128xbf16>)
  return %o, %d : tensor<8x28x128xbf16>, tensor<8x28x128xbf16>
}

// On memrefs cache_write has no results and updates the pools in place.
// CHECK-LABEL: func.func @cache_write_memref
// CHECK:         spotlight.cache_write ins(%{{.+}} : memref<?x2x64xf32>, memref<?x2x64xf32>, memref<?x2x1x2xi32>, memref<?xi32>) outs(%{{.+}} : memref<?x1x2x64xf32>, memref<?x1x2x64xf32>, memref<?x1x2x1x2xi32>)
func.func @cache_write_memref(%k: memref<?x2x64xf32>, %v: memref<?x2x64xf32>,
    %c: memref<?x2x1x2xi32>, %s: memref<?xi32>, %kp: memref<?x1x2x64xf32>,
    %vp: memref<?x1x2x64xf32>, %cp: memref<?x1x2x1x2xi32>) {
  spotlight.cache_write ins(%k, %v, %c, %s : memref<?x2x64xf32>, memref<?x2x64xf32>, memref<?x2x1x2xi32>, memref<?xi32>) outs(%kp, %vp, %cp : memref<?x1x2x64xf32>, memref<?x1x2x64xf32>, memref<?x1x2x1x2xi32>)
  return
}

//===----------------------------------------------------------------------===//
// partial_decode_attention / merge_attention
//===----------------------------------------------------------------------===//

// Dense attention over a range of a KV head's pages, with its log-sum-exp,
// then two such parts merged.
// CHECK-LABEL: func.func @partial_decode_attention_paged
// CHECK:         %{{.+}}:2 = spotlight.partial_decode_attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x128xbf16>) pages(%{{.+}}, %{{.+}} : tensor<1x?xi32>, tensor<1xi32>) outs(%{{.+}}, %{{.+}} : tensor<1x7x128xf32>, tensor<1x7xf32>){{$}}
func.func @partial_decode_attention_paged(%q: tensor<1x7x128xbf16>,
    %kp: tensor<?x16x1x128xbf16>, %vp: tensor<?x16x1x128xbf16>,
    %bt: tensor<1x?xi32>, %sl: tensor<1xi32>, %o: tensor<1x7x128xf32>,
    %lse: tensor<1x7xf32>) -> (tensor<1x7x128xf32>, tensor<1x7xf32>) {
  %0:2 = spotlight.partial_decode_attention
      ins(%q, %kp, %vp : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>,
          tensor<?x16x1x128xbf16>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%o, %lse : tensor<1x7x128xf32>, tensor<1x7xf32>)
  return %0#0, %0#1 : tensor<1x7x128xf32>, tensor<1x7xf32>
}

// CHECK-LABEL: func.func @merge_attention
// CHECK:         spotlight.merge_attention ins(%{{.+}}, %{{.+}} : tensor<?x1x7x128xf32>, tensor<?x1x7xf32>) outs(%{{.+}} : tensor<1x7x128xbf16>){{$}}
func.func @merge_attention(%parts: tensor<?x1x7x128xf32>,
    %lses: tensor<?x1x7xf32>, %init: tensor<1x7x128xbf16>) -> tensor<1x7x128xbf16> {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<?x1x7x128xf32>, tensor<?x1x7xf32>)
      outs(%init : tensor<1x7x128xbf16>)
  return %0 : tensor<1x7x128xbf16>
}
