// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu="cpu=cooperlake" --canonicalize | FileCheck %s --check-prefixes=CHECK,BF16
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu="cpu=skylake-avx512" --canonicalize | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu="cpu=haswell" --canonicalize | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu="cpu=x86-64" --canonicalize | FileCheck %s --check-prefixes=CHECK,GENERIC
// RUN: not spotlight-opt %s --convert-spotlight-to-cpu="cpu=no-such-cpu" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// The attention loops of each vector ISA the lowering targets, chosen by
// CPU name: AVX-512 with BF16 (cooperlake) computes q.k with vdpbf16ps on
// the raw bf16 rows; AVX-512 (skylake-avx512), AVX2 (haswell) and anything
// else (x86-64) use f32 FMAs on 16, 8 and 4 lanes.
// UNKNOWN: error: convert-spotlight-to-cpu: unknown CPU 'no-such-cpu'

// Group selection, G = 2, bf16: the index row becomes K/V rows, then tiles
// of up to 32 rows: each tile's rows are looked up and prefetched a tile
// ahead and its V rows (and, for f32 dot products, K rows) widened to f32
// once (bf16 dot products: V of token pairs interleaved), then the two
// query heads run over the tile (together with bf16 dots for p.v, else one
// after the other), each with its running max, sum and accumulator in
// registers, 16 tokens a pass on 16 lanes (8 on AVX2, 4 generic), then one
// at a time for the tile's tail.
// CHECK-LABEL: func.func @sparse_attention_group
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x4x64xbf16>, %[[K:[^:]+]]: memref<1x2x?x64xbf16>, %[[V:[^:]+]]: memref<1x2x?x64xbf16>, %[[IDX:[^:]+]]: memref<1x2x16xi32>, %[[INIT:[^:]+]]: memref<1x4x64xbf16>)
// CHECK-DAG:     %[[QF:.+]] = memref.collapse_shape %[[Q]] {{\[\[}}0, 1, 2]] : memref<1x4x64xbf16> into memref<256xbf16>
// CHECK-DAG:     %[[KF:.+]] = memref.collapse_shape %[[K]] {{\[\[}}0, 1, 2, 3]] : memref<1x2x?x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[VF:.+]] = memref.collapse_shape %[[V]] {{\[\[}}0, 1, 2, 3]] : memref<1x2x?x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[OUT:.+]] = memref.collapse_shape %[[INIT]] {{\[\[}}0, 1, 2]] : memref<1x4x64xbf16> into memref<256xbf16>
// The state of every query head: accumulators, maxes, sums (and the scaled
// queries of the f32 paths), then the tile's rows and widened V.
// CHECK-DAG:     %[[ACC:.+]] = memref.alloc() : memref<256xf32>
// BF16-DAG:      %[[TILE_ROWS:.+]] = memref.alloc() : memref<32xindex>
// CHECK-DAG:     %[[ROWS:.+]] = memref.alloc() : memref<16xindex>
// CHECK:         scf.for %[[H:[^ ]+]] =
// CHECK:           %[[VALID:.+]] = scf.for %{{.+}} iter_args(%{{.+}}) -> (index) {
// CHECK:           scf.for %{{.+}} = %{{.+}} to %[[VALID]] step %{{.+}} {
// CHECK:             memref.store %{{.+}}, %[[ROWS]][%{{.+}}] : memref<16xindex>
// CHECK:           scf.for %[[FIRST:[^ ]+]] = %{{.+}} to %[[VALID]] step %c32 {
// CHECK:             %[[COUNT:.+]] = arith.minsi %{{.+}}, %c32 : index
// CHECK:             scf.for %[[J:[^ ]+]] = %{{.+}} to %[[COUNT]] step %c1 {
// CHECK-NOT:           memref.prefetch
// BF16:                memref.store %{{.+}}, %[[TILE_ROWS]][%[[J]]] : memref<32xindex>
// The f32 paths widen the K rows into scratch too.
// AVX512:              arith.extf %{{.+}} : vector<64xbf16> to vector<64xf32>
// AVX2:                arith.extf %{{.+}} : vector<64xbf16> to vector<64xf32>
// GENERIC:             arith.extf %{{.+}} : vector<64xbf16> to vector<64xf32>
// AVX512:              %[[VROW:.+]] = vector.load %[[VF]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// AVX512-NEXT:         %[[VROWF:.+]] = arith.extf %[[VROW]] : vector<64xbf16> to vector<64xf32>
// AVX512-NEXT:         vector.store %[[VROWF]], %[[TILE_V:[^\[]+]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// AVX2:                %[[VROW:.+]] = vector.load %[[VF]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// AVX2-NEXT:           %[[VROWF:.+]] = arith.extf %[[VROW]] : vector<64xbf16> to vector<64xf32>
// AVX2-NEXT:           vector.store %[[VROWF]], %[[TILE_V:[^\[]+]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// GENERIC:             %[[VROW:.+]] = vector.load %[[VF]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// GENERIC-NEXT:        %[[VROWF:.+]] = arith.extf %[[VROW]] : vector<64xbf16> to vector<64xf32>
// GENERIC-NEXT:        vector.store %[[VROWF]], %[[TILE_V:[^\[]+]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// With bf16 dot products for p.v too, V of token pairs is interleaved into
// bf16 scratch instead.
// BF16:              scf.for %{{.+}} = %c0 to %{{.+}} step %c1 {
// BF16:                %[[EVEN:.+]] = vector.load %[[VF]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// BF16:                %[[ODD:.+]] = vector.load %[[VF]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// BF16:                %[[PAIRS:.+]] = vector.interleave %[[EVEN]], %[[ODD]] : vector<64xbf16> -> vector<128xbf16>
// BF16-NEXT:           vector.store %[[PAIRS]], %[[TILE_PAIRS:[^\[]+]][%{{.+}}] : memref<2048xbf16>, vector<128xbf16>
// First the logits of every head's full passes, into scratch: they depend
// on no running state, so the heads' dot products overlap. The pass's dot
// products are summed together by a shuffle tree into one vector of
// logits. Each head first prefetches its share of the next tile's rows.
// CHECK:             scf.for %{{.+}} = %c0 to %c2 step %c1 {
// CHECK:               scf.for
// CHECK:                 memref.prefetch %[[KF]]
// CHECK:                 memref.prefetch %[[VF]]
// BF16:                scf.for %{{.+}} step %c16 {
// AVX512:              scf.for %{{.+}} step %c16 {
// AVX2:                scf.for %{{.+}} step %c8 {
// GENERIC:             scf.for %{{.+}} step %c4 {
// BF16:                  memref.load %[[TILE_ROWS]]
// BF16:                  %[[KC:.+]] = vector.load %[[KF]][%{{.+}}] : memref<?xbf16>, vector<32xbf16>
// BF16-NEXT:             %[[QC:.+]] = vector.load %[[QF]][%{{.+}}] : memref<256xbf16>, vector<32xbf16>
// BF16-NEXT:             x86vector.avx512.dot %{{.+}}, %[[QC]], %[[KC]] : vector<32xbf16> -> vector<16xf32>
// AVX512-NOT:            x86vector
// AVX512:                arith.mulf %{{.+}}, %{{.+}} fastmath<contract> : vector<16xf32>
// AVX2:                  arith.mulf %{{.+}}, %{{.+}} fastmath<contract> : vector<8xf32>
// GENERIC:               arith.mulf %{{.+}}, %{{.+}} fastmath<contract> : vector<4xf32>
// CHECK:                 vector.shuffle
// BF16:                  %[[L:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<16xf32>
// BF16-NEXT:             vector.store %[[L]], %[[LOGITS:[^\[]+]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// AVX512:                vector.store %{{.+}}, %[[LOGITS:[^\[]+]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// AVX2:                  vector.store %{{.+}}, %[[LOGITS:[^\[]+]][%{{.+}}] : memref<64xf32>, vector<8xf32>
// GENERIC:               vector.store %{{.+}}, %[[LOGITS:[^\[]+]][%{{.+}}] : memref<64xf32>, vector<4xf32>
// Then, with bf16 dots for p.v, the heads two at a time (then an odd one;
// here the pair loop runs once and is folded), both states in registers,
// each step of a pass emitted for both heads so that their chains overlap;
// on the f32 paths one head after the other (an scf.for), whose
// accumulators leave no registers for a second head's. Per pass and head
// one max, two polynomial exps (the tokens' weights and the rescale), one
// rescale of the accumulator.
// AVX512:            scf.for %{{.+}} = %c0 to %c2 step %c1 {
// AVX2:              scf.for %{{.+}} = %c0 to %c2 step %c1 {
// GENERIC:           scf.for %{{.+}} = %c0 to %c2 step %c1 {
// CHECK:               vector.load %[[ACC]][%{{.+}}] : memref<256xf32>, vector<64xf32>
// BF16:                vector.load %[[ACC]][%{{.+}}] : memref<256xf32>, vector<64xf32>
// BF16:                %{{.+}}:6 = scf.for %{{.+}} step %c16 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>, f32, f32, vector<64xf32>) {
// AVX512:              %{{.+}}:3 = scf.for %{{.+}} step %c16 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// AVX2:                %{{.+}}:3 = scf.for %{{.+}} step %c8 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// GENERIC:             %{{.+}}:3 = scf.for %{{.+}} step %c4 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// BF16:                  %[[PASS_L:.+]] = vector.load %[[LOGITS]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// BF16:                  vector.load %[[LOGITS]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// BF16-NEXT:             vector.shuffle %[[PASS_L]], %[[PASS_L]] [8, 9, 10, 11, 12, 13, 14, 15] : vector<16xf32>, vector<16xf32>
// AVX512:                vector.load %[[LOGITS]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// AVX2:                  vector.load %[[LOGITS]][%{{.+}}] : memref<64xf32>, vector<8xf32>
// GENERIC:               vector.load %[[LOGITS]][%{{.+}}] : memref<64xf32>, vector<4xf32>
// The max: compare-and-select halving (one vmaxps each).
// BF16:                  arith.cmpf ogt, %{{.+}}, %{{.+}} : vector<8xf32>
// AVX512:                arith.cmpf ogt, %{{.+}}, %{{.+}} : vector<8xf32>
// AVX2:                  arith.cmpf ogt, %{{.+}}, %{{.+}} : vector<4xf32>
// GENERIC:               arith.cmpf ogt, %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK:                 arith.select %{{.+}}, %{{.+}}, %{{.+}} : vector<2xi1>, vector<2xf32>
// CHECK-NOT:             math.exp
// CHECK:                 arith.fptosi
// CHECK:                 arith.bitcast
// The weights rounded to bf16 by vcvtneps2bf16 (and summed so), a pair of
// them per dot; each 16 lanes of a head's accumulator a chain of dots.
// BF16:                  x86vector.avx512.cvt.packed.f32_to_bf16 %{{.+}} : vector<16xf32> -> vector<16xbf16>
// CHECK:                 vector.reduction <add>
// BF16:                  vector.bitcast %{{.+}} : vector<16xbf16> to vector<8xi32>
// AVX512:                arith.mulf %{{[^ ]+}}, %{{[^ ]+}} : vector<64xf32>
// AVX512:                vector.load %[[TILE_V]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// AVX2:                  arith.mulf %{{[^ ]+}}, %{{[^ ]+}} : vector<64xf32>
// AVX2:                  vector.load %[[TILE_V]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// GENERIC:               arith.mulf %{{[^ ]+}}, %{{[^ ]+}} : vector<64xf32>
// GENERIC:               vector.load %[[TILE_V]][%{{.+}}] : memref<2048xf32>, vector<64xf32>
// BF16:                  x86vector.avx512.cvt.packed.f32_to_bf16
// BF16:                  arith.mulf %{{[^ ]+}}, %{{[^ ]+}} : vector<16xf32>
// BF16:                  %[[PV:.+]] = vector.load %[[TILE_PAIRS]][%{{.+}}] : memref<2048xbf16>, vector<32xbf16>
// BF16-NEXT:             x86vector.avx512.dot %{{.+}}, %{{.+}}, %[[PV]] : vector<32xbf16> -> vector<16xf32>
// BF16:                  scf.yield %{{.+}} : f32, f32, vector<64xf32>, f32, f32, vector<64xf32>
// AVX512:                scf.yield %{{.+}} : f32, f32, vector<64xf32>
// AVX2:                  scf.yield %{{.+}} : f32, f32, vector<64xf32>
// GENERIC:               scf.yield %{{.+}} : f32, f32, vector<64xf32>
// The tail, one token a pass.
// BF16:                scf.for %{{.+}} step %c1 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>, f32, f32, vector<64xf32>) {
// AVX512:              scf.for %{{.+}} step %c1 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// AVX2:                scf.for %{{.+}} step %c1 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// GENERIC:             scf.for %{{.+}} step %c1 iter_args(%{{.+}}) -> (f32, f32, vector<64xf32>) {
// CHECK:               vector.store %{{.+}}, %[[ACC]][%{{.+}}] : memref<256xf32>, vector<64xf32>
// BF16:                vector.store %{{.+}}, %[[ACC]][%{{.+}}] : memref<256xf32>, vector<64xf32>
// o[g] = acc[g] / sum[g] (0 when no token was selected), narrowed to bf16.
// CHECK:           arith.cmpf oeq
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.+}} : vector<64xf32> to vector<64xbf16>
// CHECK:           vector.store %{{.+}}, %[[OUT]][%{{.+}}] : memref<256xbf16>, vector<64xbf16>
// CHECK:         return %[[INIT]] : memref<1x4x64xbf16>
func.func @sparse_attention_group(%q: tensor<1x4x64xbf16>, %k: tensor<1x2x?x64xbf16>,
    %v: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x16xi32>,
    %init: tensor<1x4x64xbf16>) -> tensor<1x4x64xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x64xbf16>, tensor<1x2x?x64xbf16>,
          tensor<1x2x?x64xbf16>, tensor<1x2x16xi32>)
      outs(%init : tensor<1x4x64xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<1x4x64xbf16>
}

// Dense decode, G = 1, f32: every token 0 .. N-1 (one contiguous run, its
// rows prefetched two tiles ahead, a slice in every pass: first those of
// the logits, then those of the softmax; a tile with no full pass, all
// first), the scale 1/sqrt(32) applied to q (f32 dot products on every
// path: vdpbf16ps would round an f32 query); f32 rows are read in place,
// not widened into scratch.
// CHECK-LABEL: func.func @decode_attention
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<1x2x32xf32>, %[[K:[^:]+]]: memref<1x2x?x32xf32>, %[[V:[^:]+]]: memref<1x2x?x32xf32>, %[[INIT:[^:]+]]: memref<1x2x32xf32>)
// CHECK-NOT:     arith.extf
// CHECK-NOT:     x86vector
// CHECK-DAG:     arith.constant dense<0.176776692> : vector<32xf32>
// CHECK-DAG:     %[[N:.+]] = memref.dim %[[K]], %{{.+}} : memref<1x2x?x32xf32>
// CHECK:         scf.for %[[H:[^ ]+]] =
// CHECK:           scf.for %[[FIRST:[^ ]+]] = %{{.+}} to %[[N]] step %c32 {
// CHECK:             %[[AHEAD:.+]] = arith.addi %{{.+}}, %c64 : index
// CHECK:             memref.prefetch %{{.+}}[%{{.+}}], read, locality<2>, data : memref<?xf32>
// CHECK:             scf.for %{{.+}} = %c0 to %{{.+}} step %c{{16|8|4}} {
// CHECK:               memref.prefetch %{{.+}}[%{{.+}}], read, locality<2>, data : memref<?xf32>
// BF16:                scf.for %{{.+}} step %c16 iter_args(%{{.+}}) -> (f32, f32, vector<32xf32>) {
// AVX512:              scf.for %{{.+}} step %c16 iter_args(%{{.+}}) -> (f32, f32, vector<32xf32>) {
// AVX2:                scf.for %{{.+}} step %c8 iter_args(%{{.+}}) -> (f32, f32, vector<32xf32>) {
// GENERIC:             scf.for %{{.+}} step %c4 iter_args(%{{.+}}) -> (f32, f32, vector<32xf32>) {
// CHECK:                 memref.prefetch %{{.+}}[%{{.+}}], read, locality<2>, data : memref<?xf32>
// CHECK:                 arith.mulf %{{.+}}, %{{.+}} fastmath<contract>
// CHECK:               scf.for %{{.+}} step %c1 iter_args(%{{.+}}) -> (f32, f32, vector<32xf32>) {
// CHECK:         return %[[INIT]] : memref<1x2x32xf32>
func.func @decode_attention(%q: tensor<1x2x32xf32>, %k: tensor<1x2x?x32xf32>,
    %v: tensor<1x2x?x32xf32>, %init: tensor<1x2x32xf32>) -> tensor<1x2x32xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x2x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
      outs(%init : tensor<1x2x32xf32>)
  return %0 : tensor<1x2x32xf32>
}
