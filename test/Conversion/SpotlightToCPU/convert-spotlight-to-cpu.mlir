// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu | FileCheck %s
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu | FileCheck %s --check-prefix=NO-SPOTLIGHT

// Every spotlight op is rewritten; nothing of the dialect survives.
// NO-SPOTLIGHT-NOT: spotlight.

// The CPU lowering works on flat (1-D) views of the bufferized operands and
// writes every result in place into its init buffer.

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

// Group mode, G = 4 query heads a KV head, W = 2 words: the set's 4 query
// codes side by side form one vector<8xi32>, loaded once before the pass;
// a token's score against it is 256 less the differing bits (XOR +
// popcount + add reduction), and the histogram of the scores (0 .. 32 * W
// * G = 256) is counted in the same loop, one pass over the tokens scoring
// both sets (KV heads, unrolled) at each token. Then per set a threshold
// search over its histogram and an ascending branch-free compaction that
// skips the oldest ties.
// CHECK-LABEL: func.func @hamming_topk_group
// CHECK-SAME:    (%[[QC:[^:]+]]: memref<1x8x1x2xi32>, %[[KC:[^:]+]]: memref<1x2x?x4x2xi32>, %[[INIT:[^:]+]]: memref<1x2x30xi32>)
// CHECK-DAG:     %[[Q:.+]] = memref.collapse_shape %[[QC]] {{\[\[}}0, 1, 2, 3]] : memref<1x8x1x2xi32> into memref<16xi32>
// CHECK-DAG:     %[[KEYS:.+]] = memref.collapse_shape %[[KC]] {{\[\[}}0, 1, 2, 3, 4]] : memref<1x2x?x4x2xi32> into memref<?xi32>
// CHECK:         %[[N:.+]] = memref.dim %[[KC]], %{{.+}} : memref<1x2x?x4x2xi32>
// Scores of both sets (2 x N), their histograms (2 x 257), the compacted
// middle.
// CHECK:         %[[SCORES:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         %[[HIST:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         %[[OUT:.+]] = memref.collapse_shape %[[INIT]] {{\[\[}}0, 1, 2]] : memref<1x2x30xi32> into memref<60xi32>
// CHECK:         %[[COMPACTED:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         %[[BATCH:.+]] = memref.dim %[[QC]], %{{.+}} : memref<1x8x1x2xi32>
// CHECK:         scf.for %{{.+}} = %{{.+}} to %[[BATCH]]
// Short sequences keep every token: indices 0 .. N-1, then -1 padding.
// CHECK:           %[[KEEP_ALL:.+]] = arith.cmpi sle, %[[N]], %{{.+}} : index
// CHECK:           scf.if %[[KEEP_ALL]] {
// CHECK:           } else {
// CHECK:             scf.for %[[BIN0:[^ ]+]] =
// CHECK-NEXT:          %[[AT0:.+]] = arith.addi %{{.+}}, %[[BIN0]] : index
// CHECK-NEXT:          %[[ZERO:.+]] = arith.constant 0 : i32
// CHECK-NEXT:          memref.store %[[ZERO]], %[[HIST]][%[[AT0]]] : memref<?xi32>
// The query vectors of both sets, before the pass.
// CHECK:             %[[QV:.+]] = vector.load %[[Q]][%{{.+}}] : memref<16xi32>, vector<8xi32>
// CHECK:             %[[QV1:.+]] = vector.load %[[Q]][%{{.+}}] : memref<16xi32>, vector<8xi32>
// Fused score + histogram over the middle tokens [sink, N - window).
// CHECK:             scf.for %[[T:[^ ]+]] = %[[SINK:[^ ]+]] to %{{[^ ]+}} step
// CHECK-NOT:           scf.for
// CHECK:                 %[[KV:.+]] = vector.load %[[KEYS]][%{{.+}}] : memref<?xi32>, vector<8xi32>
// CHECK-NEXT:            %[[DIFF:.+]] = arith.xori %[[QV]], %[[KV]] : vector<8xi32>
// CHECK-NEXT:            %[[POP:.+]] = math.ctpop %[[DIFF]] : vector<8xi32>
// CHECK-NEXT:            %[[DIFFERING:.+]] = vector.reduction <add>, %[[POP]] : vector<8xi32> into i32
// CHECK-NEXT:            %[[BITS:.+]] = arith.constant 256 : i32
// CHECK-NEXT:            %[[SCORE:.+]] = arith.subi %[[BITS]], %[[DIFFERING]] : i32
// CHECK:                 %[[AT:.+]] = arith.addi %{{.+}}, %[[T]] : index
// CHECK-NEXT:            memref.store %[[SCORE]], %[[SCORES]][%[[AT]]] : memref<?xi32>
// CHECK-NEXT:            %[[BIN:.+]] = arith.index_cast %[[SCORE]] : i32 to index
// CHECK:                 %[[SETBIN:.+]] = arith.addi %{{.+}}, %[[BIN]] : index
// CHECK-NEXT:            %[[COUNT:.+]] = memref.load %[[HIST]][%[[SETBIN]]] : memref<?xi32>
// CHECK-NEXT:            %[[ONE:.+]] = arith.constant 1 : i32
// CHECK-NEXT:            %[[INC:.+]] = arith.addi %[[COUNT]], %[[ONE]] : i32
// CHECK-NEXT:            memref.store %[[INC]], %[[HIST]][%[[SETBIN]]] : memref<?xi32>
// The second set, against its own query vector, in the same token loop.
// CHECK:                 %[[KV1:.+]] = vector.load %[[KEYS]][%{{.+}}] : memref<?xi32>, vector<8xi32>
// CHECK-NEXT:            arith.xori %[[QV1]], %[[KV1]] : vector<8xi32>
// CHECK:                 memref.store %{{.+}}, %[[HIST]][%{{.+}}] : memref<?xi32>
// CHECK-NEXT:          }
// Per set, threshold T: the largest score whose count from the top reaches k.
// CHECK:             scf.for
// CHECK:               %[[SEARCH:.+]]:2 = scf.while
// CHECK:                 memref.load %[[HIST]]
// CHECK:                 scf.condition
// CHECK:               %[[THRESHOLD:.+]] = arith.index_cast %[[SEARCH]]#0 : index to i32
// CHECK:               %[[TIES:.+]] = memref.load %[[HIST]][%{{.+}}] : memref<?xi32>
// Compaction, 64 scores at a time: score > T, or a tie at T once the
// oldest ties are skipped, as 64-bit masks of one vector compare each (-1
// past the middle's end is neither); the taken tokens, at most the budget,
// are then stored one by one through the set bits of the mask.
// CHECK:               %[[THRESHOLDS:.+]] = vector.broadcast %[[THRESHOLD]] : i32 to vector<64xi32>
// CHECK:               %[[OUTSIDE:.+]] = arith.constant dense<-1> : vector<64xi32>
// CHECK:               %{{.+}}:2 = scf.for %[[T2:[^ ]+]] = %c4{{(_[0-9]+)?}} to %[[MIDDLE_END:[^ ]+]] step %[[C64:[^ ]+]] iter_args(%[[SLOT:[^ ]+]] = %{{[^,]+}}, %[[SKIP:[^ ]+]] = %{{[^)]+}}) -> (index, index) {
// CHECK-NEXT:            %[[LEFT:.+]] = arith.subi %[[MIDDLE_END]], %[[T2]] : index
// CHECK-NEXT:            %[[INSIDE:.+]] = vector.create_mask %[[LEFT]] : vector<64xi1>
// CHECK-NEXT:            %[[AT2:.+]] = arith.addi %{{.+}}, %[[T2]] : index
// CHECK-NEXT:            %[[S:.+]] = vector.maskedload %[[SCORES]][%[[AT2]]], %[[INSIDE]], %[[OUTSIDE]] : memref<?xi32>, vector<64xi1>, vector<64xi32> into vector<64xi32>
// CHECK-NEXT:            %[[ABOVE:.+]] = arith.cmpi sgt, %[[S]], %[[THRESHOLDS]] : vector<64xi32>
// CHECK-NEXT:            vector.bitcast %[[ABOVE]] : vector<64xi1> to vector<1xi64>
// CHECK:                 %[[TIE:.+]] = arith.cmpi eq, %[[S]], %[[THRESHOLDS]] : vector<64xi32>
// CHECK:                 %[[TIE_COUNT:.+]] = math.ctpop %{{.+}} : i64
// CHECK:                 %[[SKIPS_ALL:.+]] = arith.cmpi sge, %[[SKIP]], %{{.+}} : index
// CHECK-NEXT:            %[[KEPT:.+]] = scf.if %[[SKIPS_ALL]] -> (i64) {
// CHECK:                 } else {
// CHECK:                   scf.for
// CHECK:                     arith.andi
// CHECK:                 }
// CHECK:                 %[[TAKE:.+]] = arith.ori %{{.+}}, %[[KEPT]] : i64
// CHECK-NEXT:            %[[TAKEN:.+]]:2 = scf.while (%[[BITS:.+]] = %[[TAKE]], %[[AT:.+]] = %[[SLOT]])
// CHECK:                 } do {
// CHECK:                   %[[LANE:.+]] = math.cttz %{{.+}} : i64
// CHECK:                   memref.store %{{.+}}, %[[COMPACTED]][%{{.+}}] : memref<?xi32>
// CHECK:                 scf.yield %[[TAKEN]]#1, %{{.+}} : index, index
// indices = sink ++ compacted middle ++ window, then -1 padding.
// CHECK:               scf.for
// CHECK:                 memref.store %{{.+}}, %[[OUT]]
// CHECK:               scf.for
// CHECK:                 %[[PICKED:.+]] = memref.load %[[COMPACTED]][%{{.+}}] : memref<?xi32>
// CHECK-NEXT:            memref.store %[[PICKED]], %[[OUT]][%{{.+}}] : memref<60xi32>
// CHECK:               scf.for
// CHECK:                 memref.store %{{.+}}, %[[OUT]]
// CHECK:               %[[EMPTY:.+]] = arith.constant -1 : i32
// CHECK:               scf.for
// CHECK-NEXT:            arith.addi
// CHECK-NEXT:            memref.store %[[EMPTY]], %[[OUT]]
// CHECK:         return %[[INIT]] : memref<1x2x30xi32>
func.func @hamming_topk_group(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x30xi32>) -> tensor<1x2x30xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x2x30xi32>
}

// G = 7 query heads of W = 4 words (Qwen2.5-7B): 28 words a set, padded
// with zeros to a vector<32xi32> by masked loads, so that the query vector
// fills two whole registers (zeros differ in no bit: the score is 896 less
// the differing bits). With one key code a token (C = 1) the code is
// replicated 7 times, then zeros.
// CHECK-LABEL: func.func @hamming_topk_padded
// CHECK:         vector.maskedload %{{.+}}[%{{.+}}], %{{.+}}, %{{.+}} : memref<28xi32>, vector<32xi1>, vector<32xi32> into vector<32xi32>
// CHECK:         scf.for
// CHECK:           %[[K:.+]] = vector.maskedload %{{.+}}[%{{.+}}], %{{.+}}, %{{.+}} : memref<?xi32>, vector<32xi1>, vector<32xi32> into vector<32xi32>
// CHECK-NEXT:      %[[X:.+]] = arith.xori %{{.+}}, %[[K]] : vector<32xi32>
// CHECK-NEXT:      math.ctpop %[[X]] : vector<32xi32>
// CHECK:           arith.constant 896 : i32
func.func @hamming_topk_padded(%qc: tensor<1x7x1x4xi32>,
    %kc: tensor<1x1x?x7x4xi32>, %init: tensor<1x1x30xi32>) -> tensor<1x1x30xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x7x1x4xi32>, tensor<1x1x?x7x4xi32>)
      outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x1x30xi32>
}

// CHECK-LABEL: func.func @hamming_topk_shared_padded
// CHECK:         scf.for
// CHECK:           %[[CODE:.+]] = vector.load %{{.+}}[%{{.+}}] : memref<?xi32>, vector<4xi32>
// CHECK-NEXT:      %[[ZEROS:.+]] = arith.constant dense<0> : vector<4xi32>
// CHECK-NEXT:      vector.shuffle %[[CODE]], %[[ZEROS]] [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4, 4] : vector<4xi32>, vector<4xi32>
func.func @hamming_topk_shared_padded(%qc: tensor<1x7x1x4xi32>,
    %kc: tensor<1x1x?x1x4xi32>, %init: tensor<1x1x30xi32>) -> tensor<1x1x30xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x7x1x4xi32>, tensor<1x1x?x1x4xi32>)
      outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x1x30xi32>
}

// Head mode with one key code a token (C = 1): the key code is replicated
// for nothing (P = 1); the query vector is one head's W = 2 words and the
// scores go up to 32 * W = 64.
// CHECK-LABEL: func.func @hamming_topk_head
// CHECK:         %[[BINS:.+]] = arith.constant 520 : index
// CHECK-NEXT:    memref.alloc(%[[BINS]]) : memref<?xi32>
// CHECK:         vector.load %{{.+}} : memref<16xi32>, vector<2xi32>
// CHECK:         %[[KV:.+]] = vector.load %{{.+}} : memref<?xi32>, vector<2xi32>
// CHECK:         %[[POP:.+]] = math.ctpop %{{.+}} : vector<2xi32>
// CHECK-NEXT:    vector.reduction <add>, %[[POP]] : vector<2xi32> into i32
func.func @hamming_topk_head(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x1x2xi32>, %init: tensor<1x8x?xi32>) -> tensor<1x8x?xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x1x2xi32>)
      outs(%init : tensor<1x8x?xi32>) {budget = 0.25 : f64, min_budget = 8 : i64}
  return %0 : tensor<1x8x?xi32>
}

//===----------------------------------------------------------------------===//
// sparse_attention / decode_attention: attention.mlir, one RUN line per
// vector ISA.
//===----------------------------------------------------------------------===//
