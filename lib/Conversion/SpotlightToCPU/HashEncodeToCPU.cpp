//===- HashEncodeToCPU.cpp - spotlight.hash_encode as a blocked GEMM ------===//
//
//   spotlight.hash_encode ins(x, W1, b1, W2, b2) outs(codes)
//     ->  scf.for (batch,) head h, chunk of up to 96 rows (at D = 128):
//           X = f32(x[chunk rows])                  scratch [96, D] f32
//           scf.for c (code head ch):
//             H1 = silu(X @ W1[ch] + b1[ch]) + X    scratch [96, D] f32
//             H2 = (H1 @ W2[ch] + b2[ch]) + H1      (never stored)
//             codes[row, c] = vector.bitcast (H2 > 0)
//
//   each A @ W (rows [96, D] x W [D, D]) is a register-tiled GEMM (tile
//   sizes from the target's vector registers, GemmTile; AVX-512 shown):
//     scf.for column block j0 (64 columns, 4 zmm):
//       scf.for tile of 6 rows r0 (the last one padded when > 3 rows are
//       left, else single rows across all D columns after the blocks):
//         acc[r] += splat(A[r0 + r, i]) * W[i, j0 : j0 + 64]  (contract:
//                                                          one FMA)
//                                           6 x vector<64xf32> in registers
//         epilogue on acc[r]: bias, activation and residual, or sign bits
//
// W is stored [in, out] (x @ W), so a row of W is contiguous over the
// outputs: each step i loads 4 weight vectors once for 6 rows and
// broadcasts one input scalar per row, 24 FMAs for 10 loads. AVX2 has half
// the registers, of half the width: tiles of 2 rows x 32 columns (8 ymm).
// Every tile of the chunk reuses one column block of W (32 KiB in f32:
// cache-resident; a packed contiguous copy of it measured only 2-3%
// faster); the chunk's rows are widened to f32 once per head and shared by its C code heads.
// SiLU's exp is a polynomial on whole vectors (a scalar libm call per
// element otherwise), and the sign bits of a block are packed by one
// compare + bitcast.
//
// The rows of head h are row(t) = base + t * stride: keys [B, H, N, D] give
// base (b * H + h) * N and stride 1; the paged write's keys [T, KH, D] (and
// queries [B, QH, D]) give base h and stride H, the tokens (batch) strided
// by the heads. The sums over i are FMAs in ascending i: a code bit may
// differ from the reference only where its pre-sign value is within
// rounding of 0.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "VectorMath.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {

/// The register tile of the GEMM for a vector ISA: the accumulators, a
/// block's weight vectors and the rows' broadcasts must fit the vector
/// registers: 24 accumulators + 4 weights + 1 broadcast of AVX-512's 32
/// zmm; 8 + 4 + 2 of AVX2's 16 ymm (with 12 accumulators, as 6 x 64 gave
/// AVX2, one spilled every step); a single row of 8 xmm generically, its
/// weights used once each. Blocks are whole 32-bit code words (the
/// epilogue packs 32 sign bits a word).
struct GemmTile {
  int64_t block;    ///< columns of a tile (a multiple of 32 dividing D)
  int64_t rows;     ///< rows of a tile
  int64_t rowWidth; ///< columns of a single row's tile (the rest rows)

  static GemmTile of(CPUVectorISA isa, int64_t headDim) {
    const bool avx512 =
        isa == CPUVectorISA::AVX512 || isa == CPUVectorISA::AVX512BF16;
    const int64_t lanes = avx512 ? 16 : isa == CPUVectorISA::AVX2 ? 8 : 4;
    const int64_t accumulators = (avx512 ? 24 : 8) * lanes;
    GemmTile tile;
    tile.block = avx512 && headDim % 64 == 0 ? 64 : 32;
    tile.rows = std::max<int64_t>(1, accumulators / tile.block);
    // A single row spans up to 128 columns (8 zmm): as many independent
    // FMA chains as FMA latency x throughput needs, within the registers.
    tile.rowWidth = 32;
    for (int64_t width = 32; width <= std::min<int64_t>(128, accumulators);
         width += 32)
      if (headDim % width == 0)
        tile.rowWidth = width;
    return tile;
  }
};
/// f32 values per chunk scratch (input rows, hidden rows): 48 KiB each, on
/// the stack; 96 rows at D = 128.
constexpr int64_t kChunkFloats = 96 * 128;

/// Rows per chunk at head dim D: a multiple of 12, so that a padded tile
/// (1, 2, 6 or 12 rows) ends inside the scratch.
int64_t chunkRows(int64_t headDim) {
  return std::max<int64_t>(12, kChunkFloats / headDim / 12 * 12);
}

struct HashEncodeOpLowering : OpLowering<HashEncodeOp> {
  HashEncodeOpLowering(MLIRContext *context, CPUVectorISA isa)
      : OpLowering(context), isa(isa) {}
  CPUVectorISA isa;

  LogicalResult emit(HashEncodeOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    const HashOperands hash(e, adaptor);
    const int64_t heads = hash.heads;
    const int64_t D = hash.headDim, W = hash.words, C = hash.codesPerHead;
    const GemmTile shape = GemmTile::of(isa, D);
    const int64_t block = shape.block, tileRows = shape.rows,
                  rowWidth = shape.rowWidth;
    Type f32 = b.getF32Type();
    auto zeroVector = [&](int64_t width) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(VectorType::get({width}, f32),
                                    b.getF32FloatAttr(0)));
    };
    Value blockZero = zeroVector(block);
    Value rowZero = rowWidth == block ? blockZero : zeroVector(rowWidth);
    auto zeros = [&](int64_t width) {
      return width == block ? blockZero : rowZero;
    };
    // The scratch (fixed size) goes to the entry of the enclosing function
    // (allocation scope): one stack frame slot, even if the op sits in a
    // loop.
    const int64_t rowsPerChunk = chunkRows(D);
    FlatBuffer xs, hs;
    {
      OpBuilder::InsertionGuard guard(b);
      if (Operation *scope =
              op->getParentWithTrait<OpTrait::AutomaticAllocationScope>())
        b.setInsertionPointToStart(&scope->getRegion(0).front());
      xs = e.allocaFlat(rowsPerChunk * D, f32);
      hs = e.allocaFlat(rowsPerChunk * D, f32);
    }
    // A padded tile reads rows past the chunk's last: zeros (or an earlier
    // chunk's rows), never uninitialized stack.
    e.forStep(e.index(0), e.index(rowsPerChunk * D), e.index(block),
              [&](Value at) { e.store(zeros(block), xs, at); });

    // The rows of one head: keys [B, H, N, D] per (b, h), else the batch
    // dimension strided by the heads.
    Value outer = hash.perToken ? e.dim(hash.input, 0) : e.index(1);
    Value tokens = hash.perToken ? e.dim(hash.input, 2) : e.dim(hash.input, 0);
    const int64_t stride = hash.perToken ? 1 : heads;

    /// out[r] = A[r] @ w[ch] for rows [0, rows) of scratch `a` (f32,
    /// [rowsPerChunk, D]), handed to `epilogue(r, j0, acc)` a vector `acc` of
    /// columns [j0, j0 + width) at a time. Rows at and past `rows` may be
    /// handed over too (a padded tile): the epilogue must not store them
    /// outside the scratch.
    auto gemm = [&](FlatBuffer a, FlatBuffer w, Value codeHead, Value rows,
                    function_ref<void(Value, Value, Value)> epilogue) {
      Value wBase = e.mul(codeHead, D * D);
      auto tile = [&](Value r0, Value j0, int64_t count, int64_t width) {
        SmallVector<Value> inits(count, zeros(width));
        Value wCol = e.add(wBase, j0);
        Value aRow = e.mul(r0, D);
        ValueRange acc = e.forRange(
            e.index(0), e.index(D), inits,
            [&](Value i, ValueRange acc) -> SmallVector<Value> {
              Value wi = e.loadF32(w, e.add(wCol, e.mul(i, D)), width);
              SmallVector<Value> next;
              for (int64_t r = 0; r < count; ++r) {
                Value ai = e.loadScalar(a, e.add(e.add(aRow, r * D), i));
                // A contractible multiply-add: one FMA where the CPU has
                // it (an explicit fma is a libm call per lane without).
                Value product = arith::MulFOp::create(
                    b, e.splat(ai, width), wi, arith::FastMathFlags::contract);
                next.push_back(arith::AddFOp::create(
                    b, product, acc[r], arith::FastMathFlags::contract));
              }
              return next;
            });
        for (int64_t r = 0; r < count; ++r)
          epilogue(e.add(r0, r), j0, acc[r]);
      };
      // Full tiles, then the rest: one more (padded) tile when it holds
      // more than half a tile of rows, else row by row.
      Value full =
          e.mul(arith::DivUIOp::create(b, rows, e.index(tileRows)), tileRows);
      Value rest = e.sub(rows, full);
      Value tiled = arith::SelectOp::create(
          b, e.cmp(Pred::ugt, e.mul(rest, 2), e.index(tileRows)),
          e.add(full, tileRows), full);
      e.forStep(e.index(0), e.index(D), e.index(block), [&](Value j0) {
        e.forStep(e.index(0), tiled, e.index(tileRows),
                  [&](Value r0) { tile(r0, j0, tileRows, block); });
      });
      e.forRange(tiled, rows, [&](Value r) {
        e.forStep(e.index(0), e.index(D), e.index(rowWidth),
                  [&](Value j0) { tile(r, j0, 1, rowWidth); });
      });
    };

    auto widthOf = [](Value vector) {
      return cast<VectorType>(vector.getType()).getNumElements();
    };
    e.forRange(e.index(0), outer, [&](Value bi) {
      e.forRange(e.index(0), e.index(heads), [&](Value h) {
        Value base =
            hash.perToken ? e.mul(e.add(e.mul(bi, heads), h), tokens) : h;
        e.forStep(e.index(0), tokens, e.index(rowsPerChunk), [&](Value t0) {
          Value rows = e.min(e.index(rowsPerChunk), e.sub(tokens, t0));
          // The row of chunk row r in x and in the codes.
          auto rowOf = [&](Value r) {
            return e.add(base, e.mul(e.add(t0, r), stride));
          };
          e.forRange(e.index(0), rows, [&](Value r) {
            e.store(e.loadF32(hash.x, e.mul(rowOf(r), D), D), xs, e.mul(r, D));
          });
          e.forRange(e.index(0), e.index(C), [&](Value c) {
            Value codeHead = hash.codeHead(e, h, c);
            Value biasBase = e.mul(codeHead, D);
            // h1 = silu(acc + b1) + x = s / (1 + exp(-s)) + x.
            gemm(xs, hash.w1, codeHead, rows,
                 [&](Value r, Value j0, Value acc) {
                   const int64_t width = widthOf(acc);
                   Value s = arith::AddFOp::create(
                       b, acc, e.loadF32(hash.b1, e.add(biasBase, j0), width));
                   Value denom = arith::AddFOp::create(
                       b, e.splat(e.f32(1), width),
                       vectorExp(b, arith::NegFOp::create(b, s)));
                   Value at = e.add(e.mul(r, D), j0);
                   Value h1 = arith::AddFOp::create(
                       b, arith::DivFOp::create(b, s, denom),
                       e.loadF32(xs, at, width));
                   e.store(h1, hs, at);
                 });
            // bits = (acc + b2) + h1 > 0, LSB first; padded rows store
            // nothing.
            gemm(hs, hash.w2, codeHead, rows,
                 [&](Value r, Value j0, Value acc) {
                   const int64_t width = widthOf(acc);
                   Value h2 = arith::AddFOp::create(
                       b,
                       arith::AddFOp::create(
                           b, acc,
                           e.loadF32(hash.b2, e.add(biasBase, j0), width)),
                       e.loadF32(hs, e.add(e.mul(r, D), j0), width));
                   Value bits = arith::CmpFOp::create(
                       b, arith::CmpFPredicate::OGT, h2, zeros(width));
                   Value words = vector::BitCastOp::create(
                       b, VectorType::get({width / 32}, b.getI32Type()), bits);
                   Value word = arith::DivUIOp::create(b, j0, e.index(32));
                   e.ifThen(e.cmp(Pred::ult, r, rows), [&] {
                     e.store(
                         words, hash.codes,
                         e.add(e.mul(e.add(e.mul(rowOf(r), C), c), W), word));
                   });
                 });
          });
        });
      });
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHashEncodeToCPUPatterns(
    RewritePatternSet &patterns, CPUVectorISA isa) {
  patterns.add<HashEncodeOpLowering>(patterns.getContext(), isa);
}
