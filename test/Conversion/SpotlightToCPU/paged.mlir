// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu="cpu=cooperlake" --canonicalize | FileCheck %s
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu | FileCheck %s --check-prefix=NO-SPOTLIGHT

// Every paged op and cache_write is rewritten; nothing of the dialect survives.
// NO-SPOTLIGHT-NOT: spotlight.

// The paged forms walk each sequence page by page: one block-table load a
// page, outside the loop over the page's tokens, whose rows are KH apart.
// The static page size (16) is a constant.

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

// Per sequence: N = seq_lens[b] clamped to [0, max_pages * 16], the budget
// of that N, keep-all or the scan. The scan visits the middle tokens page by
// page and scores every set (KV head) at each token, so a page's codes are
// read in order; the codes 2 pages ahead are prefetched (the last page's
// where there are fewer).
// CHECK-LABEL: func.func @paged_topk
// CHECK-SAME:    (%[[QC:[^:]+]]: memref<2x8x1x2xi32>, %[[KC:[^:]+]]: memref<?x16x2x4x2xi32>, %[[BT:[^:]+]]: memref<2x?xi32>, %[[SL:[^:]+]]: memref<2xi32>, %[[INIT:[^:]+]]: memref<2x2x?xi32>)
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[KEYS:.+]] = memref.collapse_shape %[[KC]] {{\[\[}}0, 1, 2, 3, 4]] : memref<?x16x2x4x2xi32> into memref<?xi32>
// CHECK-DAG:     %[[TABLE:.+]] = memref.collapse_shape %[[BT]] {{\[\[}}0, 1]] : memref<2x?xi32> into memref<?xi32>
// CHECK-DAG:     %[[MAX_PAGES:.+]] = memref.dim %[[BT]], %{{.+}} : memref<2x?xi32>
// CHECK:         %[[CAPACITY:.+]] = arith.muli %[[MAX_PAGES]], %[[C16]] : index
// The scores' scratch holds the longest sequence of the batch, not the
// table's capacity (an engine's table may be far wider than its sequences).
// CHECK:         %[[LONGEST:.+]] = scf.for %[[S:[^ ]+]] = {{.+}} iter_args(%[[SOFAR:.+]] = %{{.+}}) -> (index) {
// CHECK:           memref.load %[[SL]][%[[S]]] : memref<2xi32>
// CHECK:           scf.yield
// CHECK:         %[[SCRATCH:.+]] = arith.muli %[[LONGEST]], %{{.+}} : index
// CHECK:         %[[SCORES:.+]] = memref.alloc(%[[SCRATCH]]) : memref<?xi32>
// CHECK:         %[[HISTS:.+]] = memref.alloc() : memref<514xi32>
// CHECK:         scf.for %[[B:[^ ]+]] =
// CHECK:           %[[LEN:.+]] = memref.load %[[SL]][%[[B]]] : memref<2xi32>
// CHECK:           %[[LENI:.+]] = arith.index_cast %[[LEN]] : i32 to index
// CHECK:           %[[POS:.+]] = arith.maxsi %[[LENI]], %{{.+}} : index
// CHECK:           %[[N:.+]] = arith.minsi %[[POS]], %[[CAPACITY]] : index
// CHECK:           arith.sitofp
// CHECK:           %[[KEEP_ALL:.+]] = arith.cmpi sle, %[[N]], %{{.+}} : index
// CHECK:           scf.if %[[KEEP_ALL]] {
// CHECK:           } else {
// The pages holding tokens [sink, N - window).
// CHECK:             %[[PAGES:.+]] = arith.divui %{{.+}}, %[[C16]] : index
// CHECK:             %[[TABLE_ROW:.+]] = arith.muli %[[B]], %[[MAX_PAGES]] : index
// CHECK:             scf.for %[[P:[^ ]+]] = %{{.+}} to %[[PAGES]] step
// CHECK:               %[[AT:.+]] = arith.addi %[[TABLE_ROW]], %[[P]] : index
// CHECK:               %[[PAGE:.+]] = memref.load %[[TABLE]][%[[AT]]] : memref<?xi32>
// CHECK:               %[[AHEAD:.+]] = arith.addi %[[P]], %c2 : index
// CHECK:               %[[AHEAD_P:.+]] = arith.minsi %[[AHEAD]], %{{.+}} : index
// CHECK:               %[[AHEAD_AT:.+]] = arith.addi %[[TABLE_ROW]], %[[AHEAD_P]] : index
// CHECK:               %[[NEXT:.+]] = memref.load %[[TABLE]][%[[AHEAD_AT]]] : memref<?xi32>
// CHECK:               scf.for %[[T:[^ ]+]] =
// CHECK-NOT:             memref.load %[[TABLE]]
// CHECK:                 memref.prefetch %[[KEYS]][%{{.+}}], read, locality<3>, data : memref<?xi32>
// Both sets (unrolled) at each token.
// CHECK-NOT:             memref.load %[[TABLE]]
// CHECK:                 %[[K:.+]] = vector.load %[[KEYS]][%{{.+}}] : memref<?xi32>, vector<8xi32>
// CHECK:                 math.ctpop
// CHECK:                 memref.store %{{.+}}, %[[SCORES]][%{{.+}}] : memref<?xi32>
// CHECK:                 memref.store %{{.+}}, %[[HISTS]][%{{.+}}] : memref<514xi32>
// CHECK-NOT:             memref.load %[[TABLE]]
// CHECK:                 %[[K1:.+]] = vector.load %[[KEYS]][%{{.+}}] : memref<?xi32>, vector<8xi32>
// CHECK:                 memref.store %{{.+}}, %[[HISTS]][%{{.+}}] : memref<514xi32>
// Then per set: threshold, compaction, write.
// CHECK:             scf.for %{{.+}} =
// CHECK:               scf.while
func.func @paged_topk(%qc: tensor<2x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>,
    %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %init: tensor<2x2x?xi32>)
    -> tensor<2x2x?xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      outs(%init : tensor<2x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<2x2x?xi32>
}

//===----------------------------------------------------------------------===//
// hamming_scores / score_topk
//===----------------------------------------------------------------------===//

// The scan of a token range: [max(begin, sink), min(end, N - window, the
// scores' N)), after the sequence's histograms (2 x 257) are cleared; each
// set's score at its row of the scores (b * 2 + s) * N' + t.
// CHECK-LABEL: func.func @paged_scores
// CHECK-SAME:    (%{{[^:]+}}: memref<2x8x1x2xi32>, %{{[^:]+}}: memref<?x16x2x4x2xi32>, %{{[^:]+}}: memref<2x?xi32>, %{{[^:]+}}: memref<2xi32>, %[[RANGES:[^:]+]]: memref<2x2xi32>, %[[SCORES:[^:]+]]: memref<2x2x?xi32>, %[[HISTS:[^:]+]]: memref<2x2x257xi32>)
// CHECK-DAG:     %[[RANGE_FLAT:.+]] = memref.collapse_shape %[[RANGES]]
// CHECK-DAG:     %[[CAPACITY:.+]] = memref.dim %[[SCORES]], %c2 : memref<2x2x?xi32>
// CHECK-DAG:     %[[SCORE_FLAT:.+]] = memref.collapse_shape %[[SCORES]] {{\[\[}}0, 1, 2]] : memref<2x2x?xi32> into memref<?xi32>
// CHECK-DAG:     %[[HIST_FLAT:.+]] = memref.collapse_shape %[[HISTS]] {{\[\[}}0, 1, 2]] : memref<2x2x257xi32> into memref<1028xi32>
// CHECK:         scf.for %[[B:[^ ]+]] =
// CHECK:           %[[BEGIN:.+]] = memref.load %[[RANGE_FLAT]]
// CHECK-NEXT:      %[[BEGIN_I:.+]] = arith.index_cast %[[BEGIN]] : i32 to index
// CHECK:           %[[END:.+]] = memref.load %[[RANGE_FLAT]]
// CHECK-NEXT:      %[[END_I:.+]] = arith.index_cast %[[END]] : i32 to index
// CHECK:           %[[LO:.+]] = arith.maxsi %[[BEGIN_I]], %c4 : index
// CHECK:           %[[MIDDLE_END:.+]] = arith.subi %{{.+}}, %c64 : index
// CHECK:           %[[HI0:.+]] = arith.minsi %[[END_I]], %[[MIDDLE_END]] : index
// CHECK:           arith.minsi %[[HI0]], %[[CAPACITY]] : index
// CHECK:           scf.for %{{.+}} = %c0 to %c514 step %c1 {
// CHECK:             memref.store %c0_i32, %[[HIST_FLAT]]
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               math.ctpop
// CHECK:               memref.store %{{.+}}, %[[SCORE_FLAT]][%{{.+}}] : memref<?xi32>
// CHECK:               memref.store %{{.+}}, %[[HIST_FLAT]][%{{.+}}] : memref<1028xi32>
func.func @paged_scores(%qc: tensor<2x8x1x2xi32>, %kc: tensor<?x16x2x4x2xi32>,
    %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %ranges: tensor<2x2xi32>,
    %scores: tensor<2x2x?xi32>, %hist: tensor<2x2x257xi32>)
    -> (tensor<2x2x?xi32>, tensor<2x2x257xi32>) {
  %0:2 = spotlight.hamming_scores group
      ins(%qc, %kc : tensor<2x8x1x2xi32>, tensor<?x16x2x4x2xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      ranges(%ranges : tensor<2x2xi32>)
      outs(%scores, %hist : tensor<2x2x?xi32>, tensor<2x2x257xi32>)
  return %0#0, %0#1 : tensor<2x2x?xi32>, tensor<2x2x257xi32>
}

// The selection from 3 ranges: N clamped to the scores' N', each set's
// histogram the sum over the ranges (at their strides), then the threshold
// and the compaction of hamming_topk over the set's row of the scores.
// CHECK-LABEL: func.func @score_topk
// CHECK-SAME:    (%[[S:[^:]+]]: memref<2x2x?xi32>, %[[H:[^:]+]]: memref<3x2x2x257xi32>, %[[SL:[^:]+]]: memref<2xi32>, %{{[^:]+}}: memref<2x2x?xi32>)
// CHECK:         %{{.+}}, %{{.+}}, %{{.+}}:3, %[[STRIDES:.+]]:3 = memref.extract_strided_metadata %[[S]]
// CHECK:         %[[HIST_FLAT:.+]] = memref.collapse_shape %[[H]] {{\[\[}}0, 1, 2, 3]] : memref<3x2x2x257xi32> into memref<3084xi32>
// CHECK:         %[[N_MAX:.+]] = memref.dim %[[S]], %c2 : memref<2x2x?xi32>
// CHECK:         %[[SUMMED:.+]] = memref.alloc() : memref<514xi32>
// CHECK:         scf.for %[[B:[^ ]+]] =
// CHECK:           %[[LEN:.+]] = memref.load %[[SL]][%[[B]]] : memref<2xi32>
// CHECK:           %[[LEN_I:.+]] = arith.index_cast %[[LEN]] : i32 to index
// CHECK:           %[[POS:.+]] = arith.maxsi %[[LEN_I]], %c0 : index
// CHECK:           arith.minsi %[[POS]], %[[N_MAX]] : index
// CHECK:           } else {
// CHECK:             scf.for
// CHECK:               scf.for
// CHECK:                 %[[SUM:.+]] = scf.for %{{.+}} = %c0 to %c3 step %c1 iter_args(%[[ACC:.+]] = %c0_i32) -> (i32) {
// CHECK:                   %[[COUNT:.+]] = memref.load %[[HIST_FLAT]]
// CHECK:                   arith.addi %[[ACC]], %[[COUNT]] : i32
// CHECK:                 memref.store %[[SUM]], %[[SUMMED]]
// CHECK:             scf.for
// CHECK:               scf.while
// CHECK:                 memref.load %[[SUMMED]]
// CHECK:               vector.maskedload %{{.+}} : memref<?xi32>, vector<64xi1>, vector<64xi32> into vector<64xi32>
func.func @score_topk(%scores: tensor<2x2x?xi32>, %hists: tensor<3x2x2x257xi32>,
    %sl: tensor<2xi32>, %init: tensor<2x2x?xi32>) -> tensor<2x2x?xi32> {
  %0 = spotlight.score_topk ins(%scores, %hists : tensor<2x2x?xi32>, tensor<3x2x2x257xi32>)
      lens(%sl : tensor<2xi32>) outs(%init : tensor<2x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<2x2x?xi32>
}

//===----------------------------------------------------------------------===//
// decode_attention
//===----------------------------------------------------------------------===//

// Dense: for each page (one block-table load), each KV head in turn runs
// its query heads over the page's tokens (one tile: rows looked up, V
// widened once, the rows a page ahead prefetched in slices over the heads'
// passes), two heads at a time with their (max, sum, acc) loaded into
// registers, kept in memory between pages.
// CHECK-LABEL: func.func @paged_dense
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<2x8x64xbf16>, %[[KP:[^:]+]]: memref<?x16x2x64xbf16>, %[[VP:[^:]+]]: memref<?x16x2x64xbf16>, %[[BT:[^:]+]]: memref<2x?xi32>, %[[SL:[^:]+]]: memref<2xi32>, %[[INIT:[^:]+]]: memref<2x8x64xbf16>)
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[TABLE:.+]] = memref.collapse_shape %[[BT]] {{\[\[}}0, 1]] : memref<2x?xi32> into memref<?xi32>
// CHECK-DAG:     %[[K:.+]] = memref.collapse_shape %[[KP]] {{\[\[}}0, 1, 2, 3]] : memref<?x16x2x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[V:.+]] = memref.collapse_shape %[[VP]] {{\[\[}}0, 1, 2, 3]] : memref<?x16x2x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[MAXES:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         scf.for %[[B:[^ ]+]] =
// CHECK:           memref.load %[[SL]][%[[B]]] : memref<2xi32>
// CHECK:           %[[PAGES:.+]] = arith.divui %{{.+}}, %[[C16]] : index
// CHECK:           scf.for %[[P:[^ ]+]] = %{{.+}} to %[[PAGES]] step
// CHECK:             memref.load %[[TABLE]][%{{.+}}] : memref<?xi32>
// CHECK:             memref.load %[[TABLE]][%{{.+}}] : memref<?xi32>
// CHECK:             scf.for %[[H:[^ ]+]] =
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               vector.load %[[V]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               scf.for %[[G:[^ ]+]] =
// CHECK:                 scf.for %{{.+}} step %[[C16]] {
// CHECK:                   x86vector.avx512.dot
// CHECK:                   memref.prefetch %[[K]][%{{.+}}], read, locality<2>, data : memref<?xbf16>
// CHECK:                   memref.prefetch %[[V]][%{{.+}}], read, locality<2>, data : memref<?xbf16>
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               scf.for %[[G:[^ ]+]] = %{{.+}} step %c2 {
// CHECK:                 memref.load %[[MAXES]]
// CHECK:                 memref.load %[[MAXES]]
// CHECK:                 %{{.+}}:6 = scf.for %{{.+}} step %[[C16]] iter_args({{.+}}) -> (f32, f32, vector<64xf32>, f32, f32, vector<64xf32>) {
// CHECK-NOT:               memref.load %[[TABLE]]
// CHECK:                   vector.load %[[K]][%{{.+}}] : memref<?xbf16>, vector<32xbf16>
// CHECK:                   x86vector.avx512.dot
// CHECK:                 memref.store %{{.+}}, %[[MAXES]]
func.func @paged_dense(%q: tensor<2x8x64xbf16>, %k: tensor<?x16x2x64xbf16>,
    %v: tensor<?x16x2x64xbf16>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>,
    %init: tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<2x8x64xbf16>, tensor<?x16x2x64xbf16>,
          tensor<?x16x2x64xbf16>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      outs(%init : tensor<2x8x64xbf16>)
  return %0 : tensor<2x8x64xbf16>
}

// A dynamic page size is read from the pool.
// CHECK-LABEL: func.func @paged_dense_dynamic_page
// CHECK-SAME:    (%{{[^:]+}}: memref<1x4x64xf32>, %[[KP:[^:]+]]: memref<?x?x1x64xf32>
// CHECK:         %[[PAGE_SIZE:.+]] = memref.dim %[[KP]], %{{.+}} : memref<?x?x1x64xf32>
// CHECK:         arith.divui %{{.+}}, %[[PAGE_SIZE]] : index
func.func @paged_dense_dynamic_page(%q: tensor<1x4x64xf32>,
    %k: tensor<?x?x1x64xf32>, %v: tensor<?x?x1x64xf32>, %bt: tensor<1x?xi32>,
    %sl: tensor<1xi32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<?x?x1x64xf32>,
          tensor<?x?x1x64xf32>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%init : tensor<1x4x64xf32>)
  return %0 : tensor<1x4x64xf32>
}

//===----------------------------------------------------------------------===//
// sparse_attention
//===----------------------------------------------------------------------===//

// Sparse: the selected positions are turned into pool rows before the
// stream (t / 16, t % 16, one block-table load each, only for the valid
// entries); the stream then reads and prefetches rows with no lookup.
// CHECK-LABEL: func.func @paged_sparse
// CHECK-SAME:    (%[[Q:[^:]+]]: memref<2x8x64xbf16>, %[[KP:[^:]+]]: memref<?x16x2x64xbf16>, %[[VP:[^:]+]]: memref<?x16x2x64xbf16>, %[[IDX:[^:]+]]: memref<2x2x?xi32>, %[[BT:[^:]+]]: memref<2x?xi32>
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[TABLE:.+]] = memref.collapse_shape %[[BT]] {{\[\[}}0, 1]] : memref<2x?xi32> into memref<?xi32>
// CHECK-DAG:     %[[K:.+]] = memref.collapse_shape %[[KP]] {{\[\[}}0, 1, 2, 3]] : memref<?x16x2x64xbf16> into memref<?xbf16>
// CHECK:         %[[ROWS:.+]] = memref.alloc(%{{.+}}) : memref<?xindex>
// CHECK:         scf.for %[[B:[^ ]+]] =
// CHECK:           scf.for %[[H:[^ ]+]] =
// CHECK:             %[[COUNT:.+]] = scf.for {{.+}} -> (index) {
// CHECK:             scf.for %[[I:[^ ]+]] = %{{.+}} to %[[COUNT]] step
// CHECK:               %[[TOKEN:.+]] = arith.index_cast %{{.+}} : i32 to index
// CHECK-DAG:           arith.divui %[[TOKEN]], %[[C16]] : index
// CHECK-DAG:           arith.remui %[[TOKEN]], %[[C16]] : index
// CHECK:               memref.load %[[TABLE]][%{{.+}}] : memref<?xi32>
// CHECK:               memref.store %{{.+}}, %[[ROWS]][%[[I]]] : memref<?xindex>
// CHECK:             scf.for %{{.+}} = %{{.+}} to %[[COUNT]] step %c32 {
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               memref.load %[[ROWS]]
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               memref.load %[[ROWS]]
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               memref.prefetch %[[K]]
// CHECK-NOT:           memref.load %[[TABLE]]
// CHECK:               vector.load %[[K]]
func.func @paged_sparse(%q: tensor<2x8x64xbf16>, %k: tensor<?x16x2x64xbf16>,
    %v: tensor<?x16x2x64xbf16>, %idx: tensor<2x2x?xi32>, %bt: tensor<2x?xi32>,
    %sl: tensor<2xi32>, %init: tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<2x8x64xbf16>, tensor<?x16x2x64xbf16>,
          tensor<?x16x2x64xbf16>, tensor<2x2x?xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      outs(%init : tensor<2x8x64xbf16>)
  return %0 : tensor<2x8x64xbf16>
}

//===----------------------------------------------------------------------===//
// cache_write
//===----------------------------------------------------------------------===//

// Slot s is row s of the flat pool: no division by the page size. One
// unsigned compare skips -1 and slots past P * page_size; each head's K, V
// and code rows are vector copies.
// CHECK-LABEL: func.func @cache_write
// CHECK-SAME:    (%[[NK:[^:]+]]: memref<?x2x64xbf16>, %[[NV:[^:]+]]: memref<?x2x64xbf16>, %[[NC:[^:]+]]: memref<?x2x4x2xi32>, %[[SLOTS:[^:]+]]: memref<?xi32>, %[[KP:[^:]+]]: memref<?x16x2x64xbf16>, %[[VP:[^:]+]]: memref<?x16x2x64xbf16>, %[[CP:[^:]+]]: memref<?x16x2x4x2xi32>)
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[KEYS:.+]] = memref.collapse_shape %[[NK]]
// CHECK-DAG:     %[[CODES:.+]] = memref.collapse_shape %[[NC]]
// CHECK-DAG:     %[[KPOOL:.+]] = memref.collapse_shape %[[KP]] {{\[\[}}0, 1, 2, 3]] : memref<?x16x2x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[CPOOL:.+]] = memref.collapse_shape %[[CP]] {{\[\[}}0, 1, 2, 3, 4]] : memref<?x16x2x4x2xi32> into memref<?xi32>
// CHECK-DAG:     %[[PAGES:.+]] = memref.dim %[[KP]], %{{.+}} : memref<?x16x2x64xbf16>
// CHECK:         %[[CAPACITY:.+]] = arith.muli %[[PAGES]], %[[C16]] : index
// CHECK:         %[[T:.+]] = memref.dim %[[NK]], %{{.+}} : memref<?x2x64xbf16>
// CHECK:         scf.for %[[I:[^ ]+]] = %{{.+}} to %[[T]] step
// CHECK:           %[[SLOT32:.+]] = memref.load %[[SLOTS]][%[[I]]] : memref<?xi32>
// CHECK:           %[[SLOT:.+]] = arith.index_cast %[[SLOT32]] : i32 to index
// CHECK:           %[[OWNED:.+]] = arith.cmpi ult, %[[SLOT]], %[[CAPACITY]] : index
// CHECK:           scf.if %[[OWNED]] {
// CHECK-NOT:         arith.divui
// CHECK:             scf.for %[[H:[^ ]+]] =
// CHECK:               %[[KROW:.+]] = vector.load %[[KEYS]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// CHECK:               vector.store %[[KROW]], %[[KPOOL]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// CHECK:               vector.load
// CHECK:               vector.store
// CHECK:               %[[CROW:.+]] = vector.load %[[CODES]][%{{.+}}] : memref<?xi32>, vector<8xi32>
// CHECK:               vector.store %[[CROW]], %[[CPOOL]][%{{.+}}] : memref<?xi32>, vector<8xi32>
func.func @cache_write(%k: memref<?x2x64xbf16>, %v: memref<?x2x64xbf16>,
    %c: memref<?x2x4x2xi32>, %s: memref<?xi32>, %kp: memref<?x16x2x64xbf16>,
    %vp: memref<?x16x2x64xbf16>, %cp: memref<?x16x2x4x2xi32>) {
  spotlight.cache_write ins(%k, %v, %c, %s : memref<?x2x64xbf16>, memref<?x2x64xbf16>, memref<?x2x4x2xi32>, memref<?xi32>) outs(%kp, %vp, %cp : memref<?x16x2x64xbf16>, memref<?x16x2x64xbf16>, memref<?x16x2x4x2xi32>)
  return
}

//===----------------------------------------------------------------------===//
// partial_decode_attention / merge_attention
//===----------------------------------------------------------------------===//

// decode_attention's loops, with an f32 output and each head's log-sum-exp
// (max + log(sum), -inf for no token) stored after its output.
// CHECK-LABEL: func.func @paged_partial_dense
// CHECK-SAME:    %[[O:[^:]+]]: memref<1x4x64xf32>, %[[LSEARG:[^:]+]]: memref<1x4xf32>)
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:     %[[LSE:.+]] = memref.collapse_shape %[[LSEARG]] {{\[\[}}0, 1]] : memref<1x4xf32> into memref<4xf32>
// CHECK:         x86vector.avx512.dot
// CHECK:           %[[EMPTY:.+]] = arith.cmpf oeq, %[[SUM:[^,]+]], %{{.+}} : f32
// CHECK:           vector.store %{{.+}} : memref<256xf32>, vector<64xf32>
// CHECK:           %[[LOG:.+]] = math.log %[[SUM]] : f32
// CHECK:           %[[LSEVAL:.+]] = arith.addf %{{.+}}, %[[LOG]] : f32
// CHECK:           %[[SEL:.+]] = arith.select %[[EMPTY]], %[[NEGINF]], %[[LSEVAL]] : f32
// CHECK:           memref.store %[[SEL]], %[[LSE]][%{{.+}}] : memref<4xf32>
func.func @paged_partial_dense(%q: tensor<1x4x64xbf16>, %k: tensor<?x16x1x64xbf16>,
    %v: tensor<?x16x1x64xbf16>, %bt: tensor<1x?xi32>, %sl: tensor<1xi32>,
    %o: tensor<1x4x64xf32>, %lse: tensor<1x4xf32>) -> (tensor<1x4x64xf32>, tensor<1x4xf32>) {
  %0:2 = spotlight.partial_decode_attention ins(%q, %k, %v : tensor<1x4x64xbf16>, tensor<?x16x1x64xbf16>, tensor<?x16x1x64xbf16>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%o, %lse : tensor<1x4x64xf32>, tensor<1x4xf32>)
  return %0#0, %0#1 : tensor<1x4x64xf32>, tensor<1x4xf32>
}

// Per output row: the parts' largest log-sum-exp, then their outputs
// weighted by exp(lse - max) (0 for an empty part) over the weights' sum.
// CHECK-LABEL: func.func @merge
// CHECK:         scf.for %{{.+}} = %c0 to %c4 step %c1 {
// CHECK:           %[[TOP:.+]] = scf.for %{{.+}} iter_args(%{{.+}}) -> (f32) {
// CHECK:             arith.maximumf
// CHECK:           %{{.+}}:2 = scf.for %{{.+}} iter_args(%{{.+}}, %{{.+}}) -> (f32, vector<64xf32>) {
// CHECK:             arith.subf %{{.+}}, %[[TOP]] : f32
// CHECK:             math.exp
// CHECK:           arith.truncf %{{.+}} : vector<64xf32> to vector<64xbf16>
func.func @merge(%parts: tensor<?x1x4x64xf32>, %lses: tensor<?x1x4xf32>, %init: tensor<1x4x64xbf16>) -> tensor<1x4x64xbf16> {
  %0 = spotlight.merge_attention ins(%parts, %lses : tensor<?x1x4x64xf32>, tensor<?x1x4xf32>) outs(%init : tensor<1x4x64xbf16>)
  return %0 : tensor<1x4x64xbf16>
}
