// RUN: spotlight-opt %s -split-input-file -verify-diagnostics

// Malformed spotlight IR that the parser or the ODS checks must reject with a
// located error, never a crash: -verify-diagnostics fails on a crash, on a
// missing error and on any error at a line other than the expected one.

func.func @unknown_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+2 {{custom op 'spotlight.hamming_topk' expected ::mlir::spotlight::SelectionMode to be one of: group, head}}
  // expected-error @+1 {{custom op 'spotlight.hamming_topk' failed to parse Spotlight_SelectionModeAttr parameter 'value'}}
  %0 = spotlight.hamming_topk groups ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

func.func @missing_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+2 {{custom op 'spotlight.hamming_topk' expected ::mlir::spotlight::SelectionMode to be one of: group, head}}
  // expected-error @+1 {{custom op 'spotlight.hamming_topk' failed to parse Spotlight_SelectionModeAttr parameter 'value'}}
  %0 = spotlight.hamming_topk ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// Four operands where hash_encode takes five inputs.
func.func @too_few_operands(%x: tensor<1x8x64xf32>, %w: tensor<8x64x64xf32>, %b: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>) {
  // expected-error @+1 {{expected ','}}
  %0 = spotlight.hash_encode ins(%x, %w, %b, %w : tensor<1x8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x64xf32>) outs(%init : tensor<1x8x1x2xi32>)
  return
}

// -----

func.func @too_many_operands(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = spotlight.sparse_gather ins(%k, %idx, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @fewer_types_than_operands(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{expected ','}}
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @missing_outs(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>)
  // expected-error @+1 {{custom op 'spotlight.sparse_gather' expected 'outs'}}
  return
}

// -----

func.func @missing_ins(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{custom op 'spotlight.decode_attention' expected 'ins'}}
  %0 = spotlight.decode_attention (%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @type_differs_from_value(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{use of value '%k' expects different type than prior uses: 'tensor<1x2x?x64xf16>' vs 'tensor<1x2x?x64xf32>'}}
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf16>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @undefined_value(%k: tensor<1x2x?x64xf32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{use of undeclared SSA value name}}
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @unknown_op(%k: tensor<1x2x?x64xf32>) {
  // expected-error @+1 {{custom op 'spotlight.hamming_top_k' is unknown}}
  %0 = spotlight.hamming_top_k group ins(%k : tensor<1x2x?x64xf32>)
  return
}

// -----

// Operands are all tensors or all memrefs (bufferized), never a mix.
func.func @memref_operand(%k: memref<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'spotlight.sparse_gather' op operand #1 ('tensor<1x2x88xi32>') must be a memref like operand #0: operands are all tensors or all memrefs}}
  %0 = spotlight.sparse_gather ins(%k, %idx : memref<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @unranked_operand(%k: tensor<*xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'spotlight.sparse_gather' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<*xf32>'}}
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<*xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @vector_operand(%k: vector<1x2x16x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+1 {{'spotlight.sparse_gather' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'vector<1x2x16x64xf32>'}}
  %0 = spotlight.sparse_gather ins(%k, %idx : vector<1x2x16x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}

// -----

func.func @string_budget(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{attribute 'budget' failed to satisfy constraint: 64-bit signless integer attribute or 64-bit float attribute}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = "twenty"}
  return
}

// -----

func.func @budget_out_of_range(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{integer constant out of range for attribute}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 99999999999999999999999 : i64}
  return
}

// -----

func.func @scale_as_string(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>) {scale = "0.125"}
  return
}

// -----

func.func @unknown_mode_attr(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+2 {{expected ::mlir::spotlight::SelectionMode to be one of: group, head}}
  // expected-error @+1 {{failed to parse Spotlight_SelectionModeAttr parameter 'value'}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = #spotlight<mode token>}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

func.func @unknown_dialect_attr(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{unknown attribute `selection` in dialect `spotlight`}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = #spotlight<selection group>}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

func.func @string_sink_property(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  // expected-error @+1 {{Invalid attribute `sink` in property conversion: "x"}}
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = #spotlight<mode group>, sink = "x"}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}

// -----

// The custom form infers the result type from `outs`.
func.func @explicit_result_type(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{expected operation name in quotes}}
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @two_results(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'spotlight.decode_attention' op result group starting at #0 requires 0 or 1 element, but found 2}}
  %0:2 = "spotlight.decode_attention"(%q, %k, %k, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return
}

// -----

func.func @no_result(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  // expected-error @+2 {{'spotlight.sparse_gather' op inferred type(s) 'tensor<1x2x88x64xf32>' are incompatible with return type(s) of operation}}
  // expected-error @+1 {{'spotlight.sparse_gather' op failed to infer returned types}}
  "spotlight.sparse_gather"(%k, %idx, %init) : (tensor<1x2x?x64xf32>, tensor<1x2x88xi32>, tensor<1x2x88x64xf32>) -> ()
  return
}

// -----

func.func @no_operands() {
  // expected-error @+1 {{'spotlight.hash_encode' op expected 6 operands, but found 0}}
  %0 = "spotlight.hash_encode"() : () -> tensor<1x8x1x2xi32>
  return
}

// -----

func.func @scalar_operands(%f: f32, %i: i32) {
  // expected-error @+1 {{'spotlight.sparse_gather' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'f32'}}
  %0 = "spotlight.sparse_gather"(%f, %i, %f) : (f32, i32, f32) -> f32
  return
}

// -----

// A memref destination makes the op bufferized: it has no result, and its
// operands are all memrefs.
func.func @memref_init(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: memref<1x2x88x64xf32>) {
  // expected-error @+1 {{'spotlight.sparse_gather' op result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'memref<1x2x88x64xf32>'}}
  %0 = "spotlight.sparse_gather"(%k, %idx, %init) : (tensor<1x2x?x64xf32>, tensor<1x2x88xi32>, memref<1x2x88x64xf32>) -> memref<1x2x88x64xf32>
  return
}

// -----

func.func @with_region(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'spotlight.decode_attention' op requires zero regions}}
  %0 = "spotlight.decode_attention"(%q, %k, %k, %init) ({
  }) : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @empty_ins(%init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{expected SSA operand}}
  %0 = spotlight.decode_attention ins( : ) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

func.func @truncated_type(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{expected '>' in tensor type}}
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  return
}

// -----

// Input that ends in the middle of an op.
func.func @unterminated(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{expected ')'}}
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>

// -----

// The generic form of an op with optional operands must size its segments.
func.func @missing_segment_sizes(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  // expected-error @+1 {{'spotlight.decode_attention' op operand count (4) does not match with the total size (0) specified in attribute 'operandSegmentSizes'}}
  %0 = "spotlight.decode_attention"(%q, %k, %k, %init) : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

// Rank-0 operands stop at the first rank check: the paged operands' batch
// (the query's dimension 0) used to be read anyway (found by fuzz-dialect).
func.func @rank0_decode_attention(%q: tensor<f16>, %k: tensor<f16>, %init: tensor<f16>) -> tensor<f16> {
  // expected-error @+1 {{'query' must have rank 3 [B, QH, D], got 'tensor<f16>'}}
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<f16>, tensor<f16>, tensor<f16>) outs(%init : tensor<f16>)
  return %0 : tensor<f16>
}
