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
// CHECK-DAG:     %[[OUT:.+]] = memref.collapse_shape %[[INIT]] {{\[\[}}0, 1, 2]] : memref<1x2x30xi32> into memref<60xi32>
// CHECK:         %[[N:.+]] = memref.dim %[[KC]], %{{.+}} : memref<1x2x?x4x2xi32>
// CHECK:         %[[BATCH:.+]] = memref.dim %[[QC]], %{{.+}} : memref<1x8x1x2xi32>
// Scores of both sets (2 x N), their histograms (2 x 257), the compacted
// middle.
// CHECK:         %[[SCORES:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         %[[HIST:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         %[[COMPACTED:.+]] = memref.alloc(%{{.+}}) : memref<?xi32>
// CHECK:         scf.for %{{.+}} = %{{.+}} to %[[BATCH]]
// Short sequences keep every token: indices 0 .. N-1, then -1 padding.
// CHECK:           %[[KEEP_ALL:.+]] = arith.cmpi sle, %[[N]], %{{.+}} : index
// CHECK:           scf.if %[[KEEP_ALL]] {
// CHECK:           } else {
// CHECK:             scf.for %[[BIN0:[^ ]+]] =
// CHECK-NEXT:          %[[ZERO:.+]] = arith.constant 0 : i32
// CHECK-NEXT:          memref.store %[[ZERO]], %[[HIST]][%[[BIN0]]] : memref<?xi32>
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
// Compaction, 16 scores at a time: score > T, or a tie at T once the
// oldest ties are skipped, as bit masks of one vector compare each (-1
// past the middle's end is neither); the taken tokens are then stored one
// by one through the set bits of the mask.
// CHECK:               %[[THRESHOLDS:.+]] = vector.broadcast %[[THRESHOLD]] : i32 to vector<16xi32>
// CHECK:               %[[OUTSIDE:.+]] = arith.constant dense<-1> : vector<16xi32>
// CHECK:               %{{.+}}:2 = scf.for %[[T2:[^ ]+]] = %[[SINK]] to %[[MIDDLE_END:[^ ]+]] step %[[C16:[^ ]+]] iter_args(%[[SLOT:[^ ]+]] = %{{[^,]+}}, %[[SKIP:[^ ]+]] = %{{[^)]+}}) -> (index, index) {
// CHECK-NEXT:            %[[LEFT:.+]] = arith.subi %[[MIDDLE_END]], %[[T2]] : index
// CHECK-NEXT:            %[[INSIDE:.+]] = vector.create_mask %[[LEFT]] : vector<16xi1>
// CHECK-NEXT:            %[[AT2:.+]] = arith.addi %{{.+}}, %[[T2]] : index
// CHECK-NEXT:            %[[S:.+]] = vector.maskedload %[[SCORES]][%[[AT2]]], %[[INSIDE]], %[[OUTSIDE]] : memref<?xi32>, vector<16xi1>, vector<16xi32> into vector<16xi32>
// CHECK-NEXT:            %[[ABOVE:.+]] = arith.cmpi sgt, %[[S]], %[[THRESHOLDS]] : vector<16xi32>
// CHECK-NEXT:            vector.bitcast %[[ABOVE]] : vector<16xi1> to vector<1xi16>
// CHECK:                 %[[TIE:.+]] = arith.cmpi eq, %[[S]], %[[THRESHOLDS]] : vector<16xi32>
// CHECK:                 %[[TIE_COUNT:.+]] = math.ctpop %{{.+}} : i32
// CHECK:                 %[[SKIPS_ALL:.+]] = arith.cmpi sge, %[[SKIP]], %{{.+}} : index
// CHECK-NEXT:            %[[KEPT:.+]] = scf.if %[[SKIPS_ALL]] -> (i32) {
// CHECK:                 } else {
// CHECK:                   scf.for
// CHECK:                     arith.andi
// CHECK:                 }
// CHECK:                 %[[TAKE:.+]] = arith.ori %{{.+}}, %[[KEPT]] : i32
// CHECK-NEXT:            %[[TAKEN:.+]]:2 = scf.while (%[[BITS:.+]] = %[[TAKE]], %[[AT:.+]] = %[[SLOT]])
// CHECK:                 } do {
// CHECK:                   %[[LANE:.+]] = math.cttz %{{.+}} : i32
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
// sparse_attention / decode_attention
//===----------------------------------------------------------------------===//

// Group selection, G = 2: both query heads of a KV head share one token
// stream; each K/V row is read once (prefetched 8 tokens ahead) and the
// online softmax of each head carries its running max, sum and accumulator
// through the loop (6 iter_args), with one exp per token and head. The
// selected positions become K/V rows before the stream.
// CHECK-LABEL: func.func @sparse_attention_group
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x4x32xbf16>, %[[K:[^:]+]]: memref<1x2x?x32xbf16>, %[[V:[^:]+]]: memref<1x2x?x32xbf16>, %[[IDX:[^:]+]]: memref<1x2x16xi32>, %[[INIT:[^:]+]]: memref<1x4x32xbf16>)
// CHECK-DAG:     %[[QF:.+]] = memref.collapse_shape %[[Q]] {{\[\[}}0, 1, 2]] : memref<1x4x32xbf16> into memref<128xbf16>
// CHECK-DAG:     %[[KF:.+]] = memref.collapse_shape %[[K]] {{\[\[}}0, 1, 2, 3]] : memref<1x2x?x32xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[VF:.+]] = memref.collapse_shape %[[V]] {{\[\[}}0, 1, 2, 3]] : memref<1x2x?x32xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[IDXF:.+]] = memref.collapse_shape %[[IDX]] {{\[\[}}0, 1, 2]] : memref<1x2x16xi32> into memref<32xi32>
// CHECK-DAG:     %[[OUT:.+]] = memref.collapse_shape %[[INIT]] {{\[\[}}0, 1, 2]] : memref<1x4x32xbf16> into memref<128xbf16>
// CHECK:         %[[ROWS:.+]] = memref.alloc(%{{.+}}) : memref<?xindex>
// The selected slots: the leading non-negative entries of the index row.
// CHECK:         %[[VALID:.+]] = scf.for %{{.+}} iter_args(%{{.+}}) -> (index) {
// CHECK:           %[[SLOT:.+]] = memref.load %[[IDXF]][%{{.+}}] : memref<32xi32>
// CHECK-NEXT:      arith.cmpi sge, %[[SLOT]], %{{.+}} : i32
// rows[i] = (b * KH + h) * N + idx[i].
// CHECK:         scf.for %[[I0:[^ ]+]] = %{{[^ ]+}} to %[[VALID]]
// CHECK:           memref.store %{{.+}}, %[[ROWS]][%[[I0]]] : memref<?xindex>
// q[g] * scale (0.5), for each head g.
// CHECK:         %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT:    %[[SCALES:.+]] = vector.broadcast %[[SCALE]] : f32 to vector<32xf32>
// CHECK-NEXT:    %[[QROW:.+]] = vector.load %[[QF]][%{{.+}}] : memref<128xbf16>, vector<32xbf16>
// CHECK-NEXT:    %[[QROWF:.+]] = arith.extf %[[QROW]] : vector<32xbf16> to vector<32xf32>
// CHECK-NEXT:    %[[Q0:.+]] = arith.mulf %[[QROWF]], %[[SCALES]] : vector<32xf32>
// CHECK-NEXT:    %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[Q1:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<32xf32>
// CHECK:         %[[STATE:.+]]:6 = scf.for %[[I:[^ ]+]] = %{{[^ ]+}} to %[[VALID]] step %{{[^ ]+}} iter_args(%[[M0:[^ ]+]] = %[[NEG_INF]], %[[S0:[^ ]+]] = %{{[^,]+}}, %[[A0:[^ ]+]] = %{{[^,]+}}, %[[M1:[^ ]+]] = %{{[^,]+}}, %[[S1:[^ ]+]] = %{{[^,]+}}, %[[A1:[^ ]+]] = %{{[^)]+}}) -> (f32, f32, vector<32xf32>, f32, f32, vector<32xf32>) {
// CHECK:           %[[AHEAD:.+]] = memref.load %[[ROWS]]
// CHECK:           memref.prefetch %[[KF]]
// CHECK:           memref.prefetch %[[VF]]
// CHECK:           memref.load %[[ROWS]][%[[I]]] : memref<?xindex>
// CHECK:           %[[KEY:.+]] = vector.load %[[KF]][%[[ROW:.+]]] : memref<?xbf16>, vector<32xbf16>
// CHECK-NEXT:      %[[KEYF:.+]] = arith.extf %[[KEY]] : vector<32xbf16> to vector<32xf32>
// CHECK-NEXT:      %[[VAL:.+]] = vector.load %[[VF]][%[[ROW]]] : memref<?xbf16>, vector<32xbf16>
// CHECK-NEXT:      %[[VALF:.+]] = arith.extf %[[VAL]] : vector<32xbf16> to vector<32xf32>
// Head 0: logit, new max, one exp, rescaled sum and accumulator.
// CHECK-NEXT:      %[[QK:.+]] = arith.mulf %[[Q0]], %[[KEYF]] : vector<32xf32>
// CHECK-NEXT:      %[[LOGIT:.+]] = vector.reduction <add>, %[[QK]] fastmath<reassoc> : vector<32xf32> into f32
// CHECK:           %[[MAX:.+]] = arith.maximumf %[[M0]], %[[LOGIT]] : f32
// CHECK-NEXT:      %[[DELTA:.+]] = arith.subf %[[LOGIT]], %[[M0]] : f32
// CHECK-NEXT:      %[[ABS:.+]] = math.absf %[[DELTA]] : f32
// CHECK-NEXT:      %[[NEG:.+]] = arith.negf %[[ABS]] : f32
// CHECK-NEXT:      %[[DECAY:.+]] = math.exp %[[NEG]] : f32
// CHECK-NEXT:      %[[STANDS:.+]] = arith.cmpf ole, %[[DELTA]], %{{.+}} : f32
// CHECK-NEXT:      %[[WEIGHT:.+]] = arith.select %[[STANDS]], %[[DECAY]], %{{.+}} : f32
// CHECK-NEXT:      %[[CORRECTION:.+]] = arith.select %[[STANDS]], %{{.+}}, %[[DECAY]] : f32
// CHECK-NEXT:      %[[SUM_SCALED:.+]] = arith.mulf %[[S0]], %[[CORRECTION]] : f32
// CHECK-NEXT:      %[[SUM:.+]] = arith.addf %[[SUM_SCALED]], %[[WEIGHT]] : f32
// CHECK-NEXT:      %[[WEIGHTS:.+]] = vector.broadcast %[[WEIGHT]] : f32 to vector<32xf32>
// CHECK-NEXT:      %[[WV:.+]] = arith.mulf %[[VALF]], %[[WEIGHTS]] : vector<32xf32>
// CHECK-NEXT:      %[[CORRECTIONS:.+]] = vector.broadcast %[[CORRECTION]] : f32 to vector<32xf32>
// CHECK-NEXT:      %[[ACC_SCALED:.+]] = arith.mulf %[[A0]], %[[CORRECTIONS]] : vector<32xf32>
// CHECK-NEXT:      %[[ACC_NEW:.+]] = arith.addf %[[ACC_SCALED]], %[[WV]] : vector<32xf32>
// Head 1, on the same K/V rows.
// CHECK-NEXT:      arith.mulf %[[Q1]], %[[KEYF]] : vector<32xf32>
// CHECK:           %[[MAX1:.+]] = arith.maximumf %[[M1]], %{{.+}} : f32
// CHECK:           math.exp
// CHECK:           %[[SUM1:.+]] = arith.addf %{{.+}}, %{{.+}} : f32
// CHECK:           arith.mulf %[[VALF]], %{{.+}} : vector<32xf32>
// CHECK:           %[[ACC1_NEW:.+]] = arith.addf %{{.+}}, %{{.+}} : vector<32xf32>
// CHECK:           scf.yield %[[MAX]], %[[SUM]], %[[ACC_NEW]], %[[MAX1]], %[[SUM1]], %[[ACC1_NEW]] : f32, f32, vector<32xf32>, f32, f32, vector<32xf32>
// o[g] = acc[g] / sum[g] (0 when no token was selected), narrowed to bf16.
// CHECK:         %[[EMPTY0:.+]] = arith.cmpf oeq, %[[STATE]]#1, %{{.+}} : f32
// CHECK:         %[[INV0:.+]] = arith.divf %{{.+}}, %[[STATE]]#1 : f32
// CHECK:         %[[NORM0:.+]] = arith.select %[[EMPTY0]], %{{.+}}, %[[INV0]] : f32
// CHECK-NEXT:    %[[NORMS0:.+]] = vector.broadcast %[[NORM0]] : f32 to vector<32xf32>
// CHECK-NEXT:    %[[O0:.+]] = arith.mulf %[[STATE]]#2, %[[NORMS0]] : vector<32xf32>
// CHECK:         %[[O0N:.+]] = arith.truncf %[[O0]] : vector<32xf32> to vector<32xbf16>
// CHECK-NEXT:    vector.store %[[O0N]], %[[OUT]][%{{.+}}] : memref<128xbf16>, vector<32xbf16>
// CHECK:         arith.cmpf oeq, %[[STATE]]#4, %{{.+}} : f32
// CHECK:         arith.divf %{{.+}}, %[[STATE]]#4 : f32
// CHECK:         vector.store %{{.+}}, %[[OUT]][%{{.+}}] : memref<128xbf16>, vector<32xbf16>
// CHECK:         return %[[INIT]] : memref<1x4x32xbf16>
func.func @sparse_attention_group(%q: tensor<1x4x32xbf16>, %k: tensor<1x2x?x32xbf16>,
    %v: tensor<1x2x?x32xbf16>, %idx: tensor<1x2x16xi32>,
    %init: tensor<1x4x32xbf16>) -> tensor<1x4x32xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x32xbf16>, tensor<1x2x?x32xbf16>,
          tensor<1x2x?x32xbf16>, tensor<1x2x16xi32>)
      outs(%init : tensor<1x4x32xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x4x32xbf16>
}

// Dense decode, G = 1, f32: every token 0 .. N-1 is streamed in place (no
// index row, no prefetch: one contiguous run), the default scale 1/sqrt(32)
// applied to q. Each KV head in turn carries its head's max, sum and
// accumulator through the run, taken from and put back to memory (where
// they wait between the pages of a paged cache).
// CHECK-LABEL: func.func @decode_attention
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x2x32xf32>, %[[K:[^:]+]]: memref<1x2x?x32xf32>, %[[V:[^:]+]]: memref<1x2x?x32xf32>, %[[INIT:[^:]+]]: memref<1x2x32xf32>)
// CHECK-NOT:     memref.prefetch
// CHECK-NOT:     arith.extf
// CHECK:         %[[N:.+]] = memref.dim %[[K]], %{{.+}} : memref<1x2x?x32xf32>
// The state of every query head: scaled queries, accumulators, maxes, sums.
// CHECK:         memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         %[[MAXES:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         %[[SUMS:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         arith.constant 0.176776692 : f32
// CHECK:         scf.for %[[H:[^ ]+]] =
// CHECK:           %[[M0:.+]] = memref.load %[[MAXES]]
// CHECK-NEXT:      %[[S0:.+]] = memref.load %[[SUMS]]
// CHECK:           %[[STATE:.+]]:3 = scf.for %{{[^ ]+}} = %{{[^ ]+}} to %[[N]] step %{{[^ ]+}} iter_args(%[[M:[^ ]+]] = %[[M0]], %[[S:[^ ]+]] = %[[S0]], %{{[^ ]+}} = %{{[^)]+}}) -> (f32, f32, vector<32xf32>) {
// CHECK:             %[[LOGIT:.+]] = vector.reduction <add>, %{{.+}} fastmath<reassoc> : vector<32xf32> into f32
// CHECK:             %[[MAX:.+]] = arith.maximumf %[[M]], %[[LOGIT]] : f32
// CHECK-NEXT:        %[[DELTA:.+]] = arith.subf %[[LOGIT]], %[[M]] : f32
// CHECK:             math.exp
// CHECK:             %[[SUM_SCALED:.+]] = arith.mulf %[[S]], %{{.+}} : f32
// CHECK-NEXT:        %[[SUM:.+]] = arith.addf %[[SUM_SCALED]], %{{.+}} : f32
// CHECK:             scf.yield %[[MAX]], %[[SUM]], %{{.+}} : f32, f32, vector<32xf32>
// CHECK-NEXT:      }
// CHECK:           memref.store %[[STATE]]#0, %[[MAXES]]
// CHECK:           memref.store %[[STATE]]#1, %[[SUMS]]
// CHECK:         %[[SUM_FINAL:.+]] = memref.load %[[SUMS]]
// CHECK:         arith.divf %{{.+}}, %[[SUM_FINAL]] : f32
// CHECK-NOT:     arith.truncf
// CHECK:         return %[[INIT]] : memref<1x2x32xf32>
func.func @decode_attention(%q: tensor<1x2x32xf32>, %k: tensor<1x2x?x32xf32>,
    %v: tensor<1x2x?x32xf32>, %init: tensor<1x2x32xf32>) -> tensor<1x2x32xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x2x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
      outs(%init : tensor<1x2x32xf32>)
  return %0 : tensor<1x2x32xf32>
}
