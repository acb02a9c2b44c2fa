// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-linalg | FileCheck %s
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-linalg | FileCheck %s --check-prefix=NO-SPOTLIGHT

// Every spotlight op is rewritten; nothing of the dialect survives.
// NO-SPOTLIGHT-NOT: spotlight.

// Weight maps (reduction i before column j): the code head is h * C + c when
// CH = QH (C = 4 here) and h floordiv (H / CH) when CH < H.
// CHECK-DAG: #[[$W_KEYS:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 * 4 + d3, d4, d5)>
// CHECK-DAG: #[[$B_KEYS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1 * 4 + d3, d4)>
// CHECK-DAG: #[[$W_QUERY:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1 floordiv 4, d3, d4)>
// Head-mode scores: query head d1 reads KV head d1 floordiv G, key code 0 (C = 1).
// CHECK-DAG: #[[$KC_HEAD:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 4, d2, 0, d3)>

//===----------------------------------------------------------------------===//
// hash_encode
//===----------------------------------------------------------------------===//

// Keys, CH = QH: two residual layers accumulated in f32, then the sign bits
// packed LSB first into i32 words.
// CHECK-LABEL: func.func @hash_encode_keys
// CHECK-SAME:    (%[[K:[^:]+]]: memref<1x2x?x64xbf16>, %[[W1:[^:]+]]: memref<8x64x64xf32>, %[[B1:[^:]+]]: memref<8x64xf32>, %[[W2:[^:]+]]: memref<8x64x64xf32>, %[[B2:[^:]+]]: memref<8x64xf32>, %[[INIT:[^:]+]]: memref<1x2x?x4x2xi32>)
// CHECK:         %[[N:.+]] = memref.dim %[[K]], %{{.+}} : memref<1x2x?x64xbf16>
// CHECK:         memref.alloc(%[[N]]) : memref<1x2x?x4x64xf32>
// x @ W1
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$W_KEYS]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]}
// CHECK-SAME:        ins(%[[K]], %[[W1]] : memref<1x2x?x64xbf16>, memref<8x64x64xf32>) outs(%[[ACC1:[^ ]+]] : memref<1x2x?x4x64xf32>)
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:           arith.mulf
// CHECK:           arith.addf
// h1 = silu(acc1 + b1) + x
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$B_KEYS]], #{{.+}}, #{{.+}}]
// CHECK-SAME:        ins(%[[ACC1]], %[[B1]], %[[K]] : {{.+}}) outs(%[[H1:[^ ]+]] :
// CHECK:           arith.negf
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// h1 @ W2
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$W_KEYS]], #{{.+}}]
// CHECK-SAME:        ins(%[[H1]], %[[W2]] : {{.+}}) outs(%[[ACC2:[^ ]+]] :
// h2 = (acc2 + b2) + h1
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$B_KEYS]], #{{.+}}, #{{.+}}]
// CHECK-SAME:        ins(%[[ACC2]], %[[B2]], %[[H1]] : {{.+}}) outs(%[[H2:[^ ]+]] : memref<1x2x?x4x64xf32>)
// CHECK-NOT:       math.exp
// CHECK:         }
// D = 64 bits viewed as 2 words of 32 bits.
// CHECK:         %[[BITS:.+]] = memref.expand_shape %[[H2]] {{\[\[}}0], [1], [2], [3], [4, 5]] output_shape [1, 2, %{{.+}}, 4, 2, 32] : memref<1x2x?x4x64xf32> into memref<1x2x?x4x2x32xf32>
// CHECK:         linalg.fill ins(%{{.+}} : i32) outs(%[[INIT]] : memref<1x2x?x4x2xi32>)
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[BITS]] : memref<1x2x?x4x2x32xf32>) outs(%[[INIT]] : memref<1x2x?x4x2xi32>)
// CHECK:           %[[BIT:.+]] = arith.cmpf ogt
// CHECK:           %[[POS:.+]] = linalg.index 5 : index
// CHECK:           %[[SHIFT:.+]] = arith.index_cast %[[POS]] : index to i32
// CHECK:           %[[ONE:.+]] = arith.extui %[[BIT]] : i1 to i32
// CHECK:           %[[WORD:.+]] = arith.shli %[[ONE]], %[[SHIFT]] : i32
// CHECK:           arith.ori %{{.+}}, %[[WORD]] : i32
// CHECK:         return %[[INIT]]
func.func @hash_encode_keys(%k: tensor<1x2x?x64xbf16>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>,
    %init: tensor<1x2x?x4x2xi32>) -> tensor<1x2x?x4x2xi32> {
  %0 = spotlight.hash_encode
      ins(%k, %w1, %b1, %w2, %b2 : tensor<1x2x?x64xbf16>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%init : tensor<1x2x?x4x2xi32>)
  return %0 : tensor<1x2x?x4x2xi32>
}

// Queries, CH = KH < QH: the weights are indexed by h floordiv 4; all-f32
// operands need no extension.
// CHECK-LABEL: func.func @hash_encode_query
// CHECK-SAME:    (%[[X:[^:]+]]: memref<1x8x64xf32>, %[[W1:[^:]+]]: memref<2x64x64xf32>
// CHECK-NOT:     arith.extf
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$W_QUERY]], #{{.+}}]
// CHECK-SAME:        ins(%[[X]], %[[W1]] : memref<1x8x64xf32>, memref<2x64x64xf32>)
// CHECK:         memref.expand_shape %{{.+}} {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 8, 1, 2, 32] : memref<1x8x1x64xf32> into memref<1x8x1x2x32xf32>
// CHECK:         linalg.generic
// CHECK-SAME:        outs(%{{.+}} : memref<1x8x1x2xi32>)
// CHECK:         arith.shli
func.func @hash_encode_query(%x: tensor<1x8x64xf32>,
    %w1: tensor<2x64x64xf32>, %b1: tensor<2x64xf32>,
    %w2: tensor<2x64x64xf32>, %b2: tensor<2x64xf32>,
    %init: tensor<1x8x1x2xi32>) -> tensor<1x8x1x2xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<2x64x64xf32>,
          tensor<2x64xf32>, tensor<2x64x64xf32>, tensor<2x64xf32>)
      outs(%init : tensor<1x8x1x2xi32>)
  return %0 : tensor<1x8x1x2xi32>
}

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

// Group mode, count budget: query codes regrouped per KV head, matching bits
// counted with ctpop, then a histogram threshold search and a descending
// compaction on memrefs.
// CHECK-LABEL: func.func @hamming_topk_group_count
// CHECK-SAME:    (%[[QC:[^:]+]]: memref<1x8x1x2xi32>, %[[KC:[^:]+]]: memref<1x2x?x4x2xi32>, %[[OUT:[^:]+]]: memref<1x2x30xi32>)
// CHECK:         %[[GROUPED:.+]] = memref.expand_shape %[[QC]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 4, 1, 2] : memref<1x8x1x2xi32> into memref<1x2x4x1x2xi32>
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME:        ins(%[[GROUPED]], %[[KC]] : memref<1x2x4x1x2xi32>, memref<1x2x?x4x2xi32>)
// CHECK-SAME:        outs(%[[SBUF:[^ ]+]] : memref<1x2x?xi32>)
// CHECK:           %[[DIFF:.+]] = arith.xori
// CHECK:           %[[SAME:.+]] = arith.xori %[[DIFF]], %{{.+}} : i32
// CHECK:           %[[POP:.+]] = math.ctpop %[[SAME]] : i32
// CHECK:           arith.addi %{{.+}}, %[[POP]] : i32
// Budget 10 capped by the 30 - 4 - 16 free slots.
// CHECK-DAG:     %[[C10:.+]] = arith.constant 10 : index
// CHECK:         arith.minsi %[[C10]],
// Scores are at most 2 words * 32 bits * G = 4 query heads = 256.
// CHECK:         %[[HIST:.+]] = memref.alloca() : memref<257xindex>
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             scf.if
// CHECK:               memref.store %{{.+}}, %[[OUT]]
// CHECK:             } else {
// CHECK:               memref.load %[[SBUF]]
// CHECK:               memref.store %{{.+}}, %[[HIST]]
// CHECK:               scf.while
// CHECK:                 memref.load %[[HIST]]
// CHECK:                 scf.condition
// CHECK:               scf.for {{.+}} iter_args
// CHECK:                 scf.if
// CHECK:                   memref.store %{{.+}}, %[[OUT]]
// CHECK:                 arith.select
// CHECK:                 scf.yield
// CHECK-NOT:     memref.copy
// CHECK:         return %[[OUT]]
func.func @hamming_topk_group_count(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x30xi32>) -> tensor<1x2x30xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x2x30xi32>
}

// Head mode, fraction budget, dynamic slot dim: k = max(min_budget,
// floor(f * N)) computed at run time in f64; no regrouping of the queries.
// CHECK-LABEL: func.func @hamming_topk_head_fraction
// CHECK-SAME:    (%[[QC:[^:]+]]: memref<1x8x1x2xi32>, %[[KC:[^:]+]]: memref<1x2x?x1x2xi32>, %[[OUT:[^:]+]]: memref<1x8x?xi32>)
// CHECK-NOT:     memref.expand_shape
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$KC_HEAD]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[QC]], %[[KC]] :
// CHECK:           math.ctpop
// CHECK:         %[[M:.+]] = memref.dim %[[OUT]], %{{.+}} : memref<1x8x?xi32>
// CHECK:         arith.sitofp %{{.+}} : i64 to f64
// CHECK:         arith.mulf %{{.+}}, %{{.+}} : f64
// CHECK:         arith.fptosi %{{.+}} : f64 to i64
// CHECK:         arith.maxsi
// One row scores at most 2 * 32 = 64 in head mode.
// CHECK:         memref.alloca() : memref<65xindex>
// CHECK:         scf.while
// CHECK-NOT:     memref.alloc(
// CHECK:         return %[[OUT]]
func.func @hamming_topk_head_fraction(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x1x2xi32>, %init: tensor<1x8x?xi32>) -> tensor<1x8x?xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x1x2xi32>)
      outs(%init : tensor<1x8x?xi32>) {budget = 0.25 : f64, min_budget = 8 : i64}
  return %0 : tensor<1x8x?xi32>
}

//===----------------------------------------------------------------------===//
// sparse_gather
//===----------------------------------------------------------------------===//

// Per query-head sets (S = 8) over KH = 2: head = s / 4; empty slots read
// row 0 and are replaced by zero.
// CHECK-LABEL: func.func @sparse_gather
// CHECK-SAME:    (%[[CACHE:[^:]+]]: memref<1x2x?x64xbf16>, %[[IDX:[^:]+]]: memref<1x8x30xi32>, %[[INIT:[^:]+]]: memref<1x8x30x64xbf16>)
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[IDX]] : memref<1x8x30xi32>) outs(%[[INIT]] : memref<1x8x30x64xbf16>)
// CHECK:         ^bb0(%[[SLOT:[^:]+]]: i32, %{{[^:]+}}: bf16):
// CHECK-DAG:       %[[B:.+]] = linalg.index 0 : index
// CHECK-DAG:       %[[S:.+]] = linalg.index 1 : index
// CHECK-DAG:       %[[D:.+]] = linalg.index 3 : index
// CHECK-DAG:       %[[C4:.+]] = arith.constant 4 : index
// CHECK:           %[[H:.+]] = arith.divui %[[S]], %[[C4]] : index
// CHECK:           %[[CLAMPED:.+]] = arith.maxsi %[[SLOT]], %{{.+}} : i32
// CHECK:           %[[T:.+]] = arith.index_cast %[[CLAMPED]] : i32 to index
// CHECK:           %[[ROW:.+]] = memref.load %[[CACHE]][%[[B]], %[[H]], %[[T]], %[[D]]] : memref<1x2x?x64xbf16>
// CHECK:           %[[EMPTY:.+]] = arith.cmpi slt, %[[SLOT]], %{{.+}} : i32
// CHECK:           %[[SEL:.+]] = arith.select %[[EMPTY]], %{{.+}}, %[[ROW]] : bf16
// CHECK:           linalg.yield %[[SEL]] : bf16
// CHECK:         return %[[INIT]]
func.func @sparse_gather(%k: tensor<1x2x?x64xbf16>, %idx: tensor<1x8x30xi32>,
    %init: tensor<1x8x30x64xbf16>) -> tensor<1x8x30x64xbf16> {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xbf16>, tensor<1x8x30xi32>)
      outs(%init : tensor<1x8x30x64xbf16>)
  return %0 : tensor<1x8x30x64xbf16>
}

//===----------------------------------------------------------------------===//
// sparse_attention
//===----------------------------------------------------------------------===//

// Group sets (S = KH), bf16, explicit scale: K and V read in place by
// memref.load, empty slots masked to -inf, softmax in f32, bf16 output.
// CHECK-LABEL: func.func @sparse_attention_group
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x8x64xbf16>, %[[K:[^:]+]]: memref<1x2x?x64xbf16>, %[[V:[^:]+]]: memref<1x2x?x64xbf16>, %[[IDX:[^:]+]]: memref<1x2x30xi32>, %[[INIT:[^:]+]]: memref<1x8x64xbf16>)
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[Q]], %[[IDX]] : memref<1x8x64xbf16>, memref<1x2x30xi32>) outs(%[[LOGITS:[^ ]+]] : memref<1x8x30xf32>)
// CHECK:           memref.load %[[K]][
// CHECK:           arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK:         }
// CHECK:         linalg.generic
// CHECK-SAME:        ins(%[[LOGITS]], %[[IDX]] : {{.+}}) outs(%[[SCALED:[^ ]+]] :
// CHECK-DAG:       arith.constant 5.000000e-01 : f32
// CHECK-DAG:       arith.constant 0xFF800000 : f32
// CHECK:           arith.select
// CHECK:         linalg.generic {{.+}} ins(%[[SCALED]] : memref<1x8x30xf32>) outs(%[[MAX:[^ ]+]] : memref<1x8xf32>)
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.+}} ins(%[[SCALED]], %[[MAX]] : {{.+}}) outs(%[[W:[^ ]+]] :
// CHECK:           math.exp
// CHECK:         linalg.generic {{.+}} ins(%[[W]] : memref<1x8x30xf32>) outs(%[[SUM:[^ ]+]] : memref<1x8xf32>)
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.+}} ins(%[[W]], %[[IDX]] : {{.+}}) outs(%[[MIX:[^ ]+]] : memref<1x8x64xf32>)
// CHECK:           memref.load %[[V]][
// CHECK:         }
// CHECK:         linalg.generic {{.+}} ins(%[[MIX]], %[[SUM]] : memref<1x8x64xf32>, memref<1x8xf32>) outs(%[[INIT]] : memref<1x8x64xbf16>)
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[INIT]]
func.func @sparse_attention_group(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>,
    %v: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x30xi32>,
    %init: tensor<1x8x64xbf16>) -> tensor<1x8x64xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>,
          tensor<1x2x?x64xbf16>, tensor<1x2x30xi32>)
      outs(%init : tensor<1x8x64xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x8x64xbf16>
}

// Head sets (S = QH), f32, default scale 1/sqrt(32): the index set is read at
// (b, qh, m), the caches at KV head qh / 2.
// CHECK-LABEL: func.func @sparse_attention_head
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x4x32xf32>, %[[K:[^:]+]]: memref<1x2x?x32xf32>, %[[V:[^:]+]]: memref<1x2x?x32xf32>, %[[IDX:[^:]+]]: memref<1x4x?xi32>, %[[INIT:[^:]+]]: memref<1x4x32xf32>)
// CHECK:         %[[M:.+]] = memref.dim %[[IDX]], %{{.+}} : memref<1x4x?xi32>
// CHECK:         memref.alloc(%[[M]]) : memref<1x4x?xf32>
// CHECK:         linalg.generic
// CHECK-SAME:        ins(%[[Q]], %[[IDX]] : memref<1x4x32xf32>, memref<1x4x?xi32>)
// CHECK:           %[[C2:.+]] = arith.constant 2 : index
// CHECK:           arith.divui %{{.+}}, %[[C2]] : index
// CHECK:           memref.load %[[K]][
// CHECK:         arith.constant 0.176776{{[0-9]*}} : f32
// CHECK:         math.exp
// CHECK:         memref.load %[[V]][
// CHECK-NOT:     arith.truncf
// CHECK:         return
func.func @sparse_attention_head(%q: tensor<1x4x32xf32>, %k: tensor<1x2x?x32xf32>,
    %v: tensor<1x2x?x32xf32>, %idx: tensor<1x4x?xi32>,
    %init: tensor<1x4x32xf32>) -> tensor<1x4x32xf32> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x32xf32>, tensor<1x2x?x32xf32>,
          tensor<1x2x?x32xf32>, tensor<1x4x?xi32>)
      outs(%init : tensor<1x4x32xf32>)
  return %0 : tensor<1x4x32xf32>
}

//===----------------------------------------------------------------------===//
// decode_attention
//===----------------------------------------------------------------------===//

// Dense: slot m is token m of a dynamic N, no masking, default scale
// 1/sqrt(64) = 0.125.
// CHECK-LABEL: func.func @decode_attention
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x8x64xf32>, %[[K:[^:]+]]: memref<1x2x?x64xf32>, %[[V:[^:]+]]: memref<1x2x?x64xf32>, %[[INIT:[^:]+]]: memref<1x8x64xf32>)
// CHECK:         %[[N:.+]] = memref.dim %[[K]], %{{.+}} : memref<1x2x?x64xf32>
// CHECK:         memref.alloc(%[[N]]) : memref<1x8x?xf32>
// CHECK:         linalg.generic {{.+}} ins(%[[Q]] : memref<1x8x64xf32>) outs(%[[LOGITS:[^ ]+]] : memref<1x8x?xf32>)
// CHECK-DAG:       %[[B:.+]] = linalg.index 0 : index
// CHECK-DAG:       %[[QH:.+]] = linalg.index 1 : index
// CHECK-DAG:       %[[T:.+]] = linalg.index 2 : index
// CHECK-DAG:       %[[D:.+]] = linalg.index 3 : index
// CHECK:           %[[H:.+]] = arith.divui %[[QH]], %{{.+}} : index
// CHECK:           memref.load %[[K]][%[[B]], %[[H]], %[[T]], %[[D]]] : memref<1x2x?x64xf32>
// CHECK:         linalg.generic {{.+}} ins(%[[LOGITS]] : memref<1x8x?xf32>)
// CHECK:           arith.constant 1.250000e-01 : f32
// CHECK-NOT:       arith.select
// CHECK:         arith.maximumf
// CHECK:         math.exp
// CHECK:         memref.load %[[V]][
// CHECK:         linalg.generic {{.+}} outs(%[[INIT]] : memref<1x8x64xf32>)
// CHECK:         return %[[INIT]]
func.func @decode_attention(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      outs(%init : tensor<1x8x64xf32>)
  return %0 : tensor<1x8x64xf32>
}

// f16 query and output over bf16 caches: each operand is widened to f32 and
// the result narrowed back to f16.
// CHECK-LABEL: func.func @decode_attention_mixed
// CHECK:         arith.extf %{{.+}} : bf16 to f32
// CHECK:         arith.extf %{{.+}} : f16 to f32
// CHECK:         arith.truncf %{{.+}} : f32 to f16
func.func @decode_attention_mixed(%q: tensor<1x4x32xf16>, %k: tensor<1x4x?x32xbf16>,
    %v: tensor<1x4x?x32xbf16>, %init: tensor<1x4x32xf16>) -> tensor<1x4x32xf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x32xf16>, tensor<1x4x?x32xbf16>, tensor<1x4x?x32xbf16>)
      outs(%init : tensor<1x4x32xf16>)
  return %0 : tensor<1x4x32xf16>
}
