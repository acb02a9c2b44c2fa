// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu | FileCheck %s
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-cpu | FileCheck %s --check-prefix=NO-CALL

// hash_encode as a blocked GEMM: rows in chunks (96 at D = 128, 48 KiB of
// f32 allocated at the function's entry) widened to f32 once,
// tiles of 6 rows x 64 columns (12 x 32 when D is not a multiple of 64)
// accumulated in registers, the last rows as one padded tile or one row
// at a time across all D columns, SiLU's exp as a polynomial (no math.exp,
// which would become a libm call per element), sign bits by compare +
// bitcast.
// NO-CALL-NOT: math.exp
// NO-CALL-NOT: spotlight.

// Keys [B, H, N, D], CH = QH (C = 4 codes a head), D = 64: one column block.
// CHECK-LABEL: func.func @hash_encode_keys
// CHECK-SAME:    (%[[K:[^:]+]]: memref<1x2x?x64xbf16>, %[[W1:[^:]+]]: memref<8x64x64xf32>, %[[B1:[^:]+]]: memref<8x64xf32>, %[[W2:[^:]+]]: memref<8x64x64xf32>, %[[B2:[^:]+]]: memref<8x64xf32>, %[[INIT:[^:]+]]: memref<1x2x?x4x2xi32>)
// CHECK-DAG:     %[[X:.+]] = memref.collapse_shape %[[K]] {{\[\[}}0, 1, 2, 3]] : memref<1x2x?x64xbf16> into memref<?xbf16>
// CHECK-DAG:     %[[W1F:.+]] = memref.collapse_shape %[[W1]] {{\[\[}}0, 1, 2]] : memref<8x64x64xf32> into memref<32768xf32>
// CHECK-DAG:     %[[W2F:.+]] = memref.collapse_shape %[[W2]] {{\[\[}}0, 1, 2]] : memref<8x64x64xf32> into memref<32768xf32>
// CHECK-DAG:     %[[CODES:.+]] = memref.collapse_shape %[[INIT]] {{\[\[}}0, 1, 2, 3, 4]] : memref<1x2x?x4x2xi32> into memref<?xi32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<64xf32>
// CHECK-DAG:     %[[XS:.+]] = memref.alloca() : memref<12288xf32>
// CHECK-DAG:     %[[HS:.+]] = memref.alloca() : memref<12288xf32>
// The input scratch starts zeroed: a padded tile reads no stack garbage.
// CHECK:         scf.for %[[Z:[^ ]+]] = %{{.+}} to %c12288 step %c64
// CHECK-NEXT:      vector.store %[[ZERO]], %[[XS]][%[[Z]]] : memref<12288xf32>, vector<64xf32>
// Batch, head, then chunks of up to 192 rows (D = 64), widened to f32 once.
// CHECK:         scf.for %{{[^ ]+}} =
// CHECK:           scf.for %[[H:[^ ]+]] =
// CHECK:             scf.for %{{[^ ]+}} = %{{.+}} to %{{.+}} step %c192
// CHECK:               %[[ROWS:.+]] = arith.minsi
// CHECK:               scf.for %{{[^ ]+}} = %{{.+}} to %[[ROWS]]
// CHECK:                 %[[XR:.+]] = vector.load %[[X]][%{{.+}}] : memref<?xbf16>, vector<64xbf16>
// CHECK-NEXT:            %[[XF:.+]] = arith.extf %[[XR]] : vector<64xbf16> to vector<64xf32>
// CHECK-NEXT:            vector.store %[[XF]], %[[XS]][%{{.+}}] : memref<12288xf32>, vector<64xf32>
// Then per code c of the head, code head h * 4 + c, both layers.
// CHECK:               scf.for %[[C:[^ ]+]] =
// CHECK:                 %[[HC:.+]] = arith.muli %[[H]], %{{.+}} : index
// CHECK-NEXT:            %[[CH:.+]] = arith.addi %[[HC]], %[[C]] : index
// Layer 1: tiles of 6 rows, 6 accumulators, up to the last full tile, or
// one past it (padded) when more than 3 rows are left; per input i one
// weight row block and a broadcast input per row.
// CHECK:                 %[[TILED:.+]] = arith.select %{{.+}} : index
// CHECK:                 scf.for %{{[^ ]+}} = %{{.+}} to %[[TILED]] step %c6
// CHECK:                   %{{.+}}:6 = scf.for %{{.+}} iter_args(%[[A0:[^ ]+]] = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]]) -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK:                     %[[W:.+]] = vector.load %[[W1F]][%{{.+}}] : memref<32768xf32>, vector<64xf32>
// CHECK:                     %[[XI:.+]] = memref.load %[[XS]][%{{.+}}] : memref<12288xf32>
// CHECK-NEXT:                %[[XB:.+]] = vector.broadcast %[[XI]] : f32 to vector<64xf32>
// CHECK-NEXT:                %[[P0:.+]] = arith.mulf %[[XB]], %[[W]] fastmath<contract> : vector<64xf32>
// CHECK-NEXT:                %{{.+}} = arith.addf %[[P0]], %[[A0]] fastmath<contract> : vector<64xf32>
// CHECK-COUNT-5:             arith.addf %{{.+}}, %{{.+}} fastmath<contract> : vector<64xf32>
// CHECK-NEXT:                scf.yield
// Per row: SiLU (polynomial exp) plus the input, into the hidden rows.
// CHECK:                   arith.fptosi %{{.+}} : vector<64xf32> to vector<64xi32>
// CHECK:                   arith.divf %{{.+}} : vector<64xf32>
// CHECK:                   vector.store %{{.+}}, %[[HS]][%{{.+}}] : memref<12288xf32>, vector<64xf32>
// The rows left over, one at a time.
// CHECK:                 scf.for %{{[^ ]+}} = %[[TILED]] to %[[ROWS]] step
// CHECK:                   scf.for %{{.+}} iter_args(%{{.+}} = %[[ZERO]]) -> (vector<64xf32>)
// Layer 2 on the hidden rows with W2; the sign bits of each row by one
// compare and one bitcast, stored for the chunk's rows only (not a padded
// tile's).
// CHECK:                 %[[TILED2:.+]] = arith.select %{{.+}} : index
// CHECK:                 scf.for %{{[^ ]+}} = %{{.+}} to %[[TILED2]] step %c6
// CHECK:                   vector.load %[[W2F]][%{{.+}}] : memref<32768xf32>, vector<64xf32>
// CHECK:                   memref.load %[[HS]][%{{.+}}] : memref<12288xf32>
// CHECK:                   %[[BITS:.+]] = arith.cmpf ogt, %{{.+}}, %[[ZERO]] : vector<64xf32>
// CHECK-NEXT:              %[[WORDS:.+]] = vector.bitcast %[[BITS]] : vector<64xi1> to vector<2xi32>
// CHECK:                   %[[IN:.+]] = arith.cmpi ult, %{{.+}}, %[[ROWS]] : index
// CHECK-NEXT:              scf.if %[[IN]] {
// CHECK:                     vector.store %[[WORDS]], %[[CODES]][%{{.+}}] : memref<?xi32>, vector<2xi32>
// CHECK:         return %[[INIT]] : memref<1x2x?x4x2xi32>
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

// The paged write's keys [T, KH, D], D = 128: the T tokens of head h are
// rows h + t * KH; tiles in two column blocks of 64, a single row across
// all 128 columns (8 independent FMA chains).
// CHECK-LABEL: func.func @hash_encode_new_tokens
// CHECK:         scf.for %{{[^ ]+}} = %{{.+}} to %c12288 step %c64
// CHECK:         scf.for %{{[^ ]+}} = %{{.+}} to %c1 step
// CHECK:         scf.for %[[H:[^ ]+]] =
// CHECK:           scf.for %[[T0:[^ ]+]] = %{{.+}} to %{{.+}} step %c96
// CHECK:             scf.for %[[R:[^ ]+]] =
// CHECK:               %[[T:.+]] = arith.addi %[[T0]], %[[R]] : index
// CHECK:               %[[TS:.+]] = arith.muli %[[T]], %c4{{.*}} : index
// CHECK-NEXT:          %{{.+}} = arith.addi %[[H]], %[[TS]] : index
// CHECK:               vector.load %{{.+}} : memref<?xbf16>, vector<128xbf16>
// CHECK:             scf.for %{{[^ ]+}} = %{{.+}} to %c128{{.*}} step %c64
// CHECK:               scf.for %{{[^ ]+}} = %{{.+}} to %{{.+}} step %c6
// CHECK:             scf.for %{{[^ ]+}} = %{{.+}} to %c128{{.*}} step %c128
// CHECK:               scf.for {{.+}} -> (vector<128xf32>)
// CHECK:               vector.bitcast %{{.+}} : vector<64xi1> to vector<2xi32>
// CHECK:               vector.bitcast %{{.+}} : vector<128xi1> to vector<4xi32>
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

// Queries, CH = KH < QH: the code head is h floordiv (QH / CH) = h / 4, and
// f32 operands need no extension.
// CHECK-LABEL: func.func @hash_encode_query
// CHECK-SAME:    (%[[X:[^:]+]]: memref<1x8x64xf32>
// CHECK-NOT:     arith.extf
// CHECK:         scf.for %{{[^ ]+}} = %{{.+}} to %c1 step
// CHECK:         scf.for %[[H:[^ ]+]] =
// CHECK:           %[[CH:.+]] = arith.divui %[[H]], %{{.+}} : index
// CHECK:           vector.bitcast %{{.+}} : vector<64xi1> to vector<2xi32>
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

// D = 96 is no multiple of 64: column blocks of 32, tiles of 12 rows; bf16
// weights are widened as they are loaded.
// CHECK-LABEL: func.func @hash_encode_d96
// CHECK-DAG:     memref.alloca() : memref<11520xf32>
// CHECK:         scf.for %{{[^ ]+}} = %{{.+}} to %c96{{.*}} step %c32
// CHECK:           scf.for %{{[^ ]+}} = %{{.+}} to %{{.+}} step %c12
// CHECK:             %{{.+}}:12 = scf.for {{.+}} -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK:               %[[WB:.+]] = vector.load %{{.+}} : memref<18432xbf16>, vector<32xbf16>
// CHECK-NEXT:          arith.extf %[[WB]] : vector<32xbf16> to vector<32xf32>
// CHECK:         vector.bitcast %{{.+}} : vector<32xi1> to vector<1xi32>
func.func @hash_encode_d96(%x: tensor<?x2x96xf16>,
    %w1: tensor<2x96x96xbf16>, %b1: tensor<2x96xbf16>,
    %w2: tensor<2x96x96xbf16>, %b2: tensor<2x96xbf16>,
    %init: tensor<?x2x1x3xi32>) -> tensor<?x2x1x3xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<?x2x96xf16>, tensor<2x96x96xbf16>,
          tensor<2x96xbf16>, tensor<2x96x96xbf16>, tensor<2x96xbf16>)
      outs(%init : tensor<?x2x1x3xi32>)
  return %0 : tensor<?x2x1x3xi32>
}
