//===- FusionTest.cpp - Unfused and dense modules vs the fused one --------===//
//
// The generator's decode module is fused: spotlight.sparse_attention reads
// K and V in place. This test rewrites it into the unfused form a user
// writes (sparse_gather of K and V + masked_attention masked with the same
// indices), compiles that through the reference, CPU and GPU-emulation
// pipelines (each runs --spotlight-fuse-gather-attention first) and checks:
//   - fused again by the pipeline: selected sets and outputs bit-identical;
//   - the same with the attention over the gathers in linalg form (masked
//     with the float's lowest): fused too, bit-identical;
//   - kept unfused (the masked_attention lowered over the gathered copies,
//     -1 slots masked): sets identical, outputs within the SEMANTICS.md
//     tolerance of the fused ones, including contexts shorter than the
//     budget (rows padded with -1);
//   - the dense baseline sparsified (--spotlight-sparsify-attention) with a
//     budget >= N: the dense result; the same for the dense baseline
//     rewritten into the linalg form a frontend emits (LinalgAttention.h:
//     contractions with `h floordiv G` maps, scale, linalg.softmax, truncf),
//     which the pass must raise first.
//
//===----------------------------------------------------------------------===//

#include "Support/DecodeProblem.h"
#include "Support/JitHelpers.h"
#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"
#include "spotlight/ExecutionEngine/JitModule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace spotlight;
using namespace spotlight::testing;
namespace sp = mlir::spotlight;

namespace {

enum class Form {
  Fused,
  Unfused,
  KeptUnfused,
  DenseSparsified,
  LinalgUnfused,
  LinalgDenseSparsified
};

/// sparse_attention(q, K, V, idx) -> masked_attention(q, gather(K, idx),
/// gather(V, idx), idx): what a user writes for the step.
void unfuse(mlir::ModuleOp module) {
  llvm::SmallVector<sp::SparseAttentionOp> ops;
  module.walk([&](sp::SparseAttentionOp op) { ops.push_back(op); });
  for (sp::SparseAttentionOp op : ops) {
    mlir::OpBuilder b(op);
    mlir::Location loc = op.getLoc();
    mlir::Value idx = op.getIndices();
    auto gather = [&](mlir::Value cache) {
      auto cacheType = mlir::cast<mlir::RankedTensorType>(cache.getType());
      llvm::SmallVector<mlir::OpFoldResult> sizes =
          mlir::tensor::getMixedSizes(b, loc, idx);
      sizes.push_back(b.getIndexAttr(cacheType.getDimSize(3)));
      mlir::Value init = mlir::tensor::EmptyOp::create(
          b, loc, sizes, cacheType.getElementType());
      return sp::SparseGatherOp::create(b, loc, init.getType(), cache, idx,
                                        init)
          ->getResult(0);
    };
    mlir::Value keys = gather(op.getKeyCache());
    mlir::Value values = gather(op.getValueCache());
    mlir::Value out = sp::MaskedAttentionOp::create(
                          b, loc, op.getResult().getType(), op.getQuery(), keys,
                          values, idx, op.getInit(), op.getScaleAttr())
                          ->getResult(0);
    op.getResult().replaceAllUsesWith(out);
    op.erase();
  }
}

/// A zero-initialised 4-loop contraction out[b,h,x] += a[..] * b[..]
/// (reducing the last loop), inputs widened to f32.
mlir::Value contract(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                     mlir::Value rhs, mlir::Value init,
                     llvm::ArrayRef<mlir::AffineMap> maps) {
  using mlir::utils::IteratorType;
  auto f32 = b.getF32Type();
  mlir::Value zero =
      mlir::arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  mlir::Value filled =
      mlir::linalg::FillOp::create(b, loc, zero, init).getResult(0);
  return mlir::linalg::GenericOp::create(
             b, loc, filled.getType(), mlir::ValueRange{lhs, rhs},
             mlir::ValueRange{filled}, maps,
             {IteratorType::parallel, IteratorType::parallel,
              IteratorType::parallel, IteratorType::reduction},
             [&](mlir::OpBuilder &nb, mlir::Location l, mlir::ValueRange a) {
               auto wide = [&](mlir::Value v) -> mlir::Value {
                 return v.getType() == f32
                            ? v
                            : mlir::arith::ExtFOp::create(nb, l, f32, v);
               };
               mlir::Value m =
                   mlir::arith::MulFOp::create(nb, l, wide(a[0]), wide(a[1]));
               mlir::linalg::YieldOp::create(
                   nb, l,
                   mlir::ValueRange{
                       mlir::arith::AddFOp::create(nb, l, a[2], m)});
             })
      .getResult(0);
}

/// An elementwise generic over [B, QH, X]: out = body(in).
mlir::Value
elementwise(mlir::OpBuilder &b, mlir::Location loc, mlir::Value in,
            mlir::Value init,
            llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                           mlir::Value)>
                body) {
  auto id = b.getMultiDimIdentityMap(3);
  llvm::SmallVector<mlir::utils::IteratorType> parallel(
      3, mlir::utils::IteratorType::parallel);
  return mlir::linalg::GenericOp::create(
             b, loc, init.getType(), mlir::ValueRange{in},
             mlir::ValueRange{init}, llvm::ArrayRef<mlir::AffineMap>{id, id},
             parallel,
             [&](mlir::OpBuilder &nb, mlir::Location l, mlir::ValueRange a) {
               mlir::linalg::YieldOp::create(
                   nb, l, mlir::ValueRange{body(nb, l, a[0])});
             })
      .getResult(0);
}

/// The linalg form a frontend emits for scaled_dot_product_attention with
/// one query token (docs/Semantics.md, "The linalg form"), written
/// independently of the passes' matcher: attention of q [B, QH, D] over
/// `keys`, `values` [B, R, T, D] (query head h reads row h / (QH / R)),
/// slots with a negative `mask` [B, R, T] entry (when given) scored at the
/// float's lowest.
mlir::Value linalgAttention(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value q, mlir::Value keys, mlir::Value values,
                            mlir::Value mask, float scale) {
  mlir::MLIRContext *ctx = b.getContext();
  auto qType = mlir::cast<mlir::RankedTensorType>(q.getType());
  int64_t qHeads = qType.getDimSize(1);
  int64_t group =
      qHeads / mlir::cast<mlir::ShapedType>(keys.getType()).getDimSize(1);
  auto d = [&](unsigned i) { return mlir::getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned dims, llvm::ArrayRef<mlir::AffineExpr> exprs) {
    return mlir::AffineMap::get(dims, 0, exprs, ctx);
  };
  auto f32 = b.getF32Type();
  llvm::SmallVector<mlir::OpFoldResult> scoreSizes = {
      mlir::tensor::getMixedSize(b, loc, q, 0), b.getIndexAttr(qHeads),
      mlir::tensor::getMixedSize(b, loc, keys, 2)};
  mlir::Value scoresInit =
      mlir::tensor::EmptyOp::create(b, loc, scoreSizes, f32);
  mlir::Value scores =
      contract(b, loc, q, keys, scoresInit,
               {map(4, {d(0), d(1), d(3)}),
                map(4, {d(0), d(1).floorDiv(group), d(2), d(3)}),
                map(4, {d(0), d(1), d(2)})});
  mlir::Value factor =
      mlir::arith::ConstantOp::create(b, loc, b.getF32FloatAttr(scale));
  scores = elementwise(
      b, loc, scores, scoresInit,
      [&](mlir::OpBuilder &nb, mlir::Location l, mlir::Value x) -> mlir::Value {
        return mlir::arith::MulFOp::create(nb, l, x, factor);
      });
  if (mask) {
    auto id = map(3, {d(0), d(1), d(2)});
    auto rows = map(3, {d(0), d(1).floorDiv(group), d(2)});
    llvm::SmallVector<mlir::utils::IteratorType> parallel(
        3, mlir::utils::IteratorType::parallel);
    scores =
        mlir::linalg::GenericOp::create(
            b, loc, scoresInit.getType(), mlir::ValueRange{scores, mask},
            mlir::ValueRange{scoresInit},
            llvm::ArrayRef<mlir::AffineMap>{id, rows, id}, parallel,
            [&](mlir::OpBuilder &nb, mlir::Location l, mlir::ValueRange a) {
              mlir::Value zero =
                  mlir::arith::ConstantIntOp::create(nb, l, 0, 32);
              mlir::Value lowest = mlir::arith::ConstantOp::create(
                  nb, l,
                  nb.getF32FloatAttr(std::numeric_limits<float>::lowest()));
              mlir::Value valid = mlir::arith::CmpIOp::create(
                  nb, l, mlir::arith::CmpIPredicate::sge, a[1], zero);
              mlir::linalg::YieldOp::create(
                  nb, l,
                  mlir::ValueRange{mlir::arith::SelectOp::create(
                      nb, l, valid, a[0], lowest)});
            })
            .getResult(0);
  }
  mlir::Value probs =
      mlir::linalg::SoftmaxOp::create(b, loc, scoresInit.getType(), scores,
                                      scoresInit, uint64_t{2})
          .getResult()[0];
  llvm::SmallVector<mlir::OpFoldResult> outSizes =
      mlir::tensor::getMixedSizes(b, loc, q);
  mlir::Value out =
      contract(b, loc, probs, values,
               mlir::tensor::EmptyOp::create(b, loc, outSizes, f32),
               {map(4, {d(0), d(1), d(3)}),
                map(4, {d(0), d(1).floorDiv(group), d(3), d(2)}),
                map(4, {d(0), d(1), d(2)})});
  if (qType.getElementType() == f32)
    return out;
  return elementwise(
      b, loc, out,
      mlir::tensor::EmptyOp::create(b, loc, outSizes, qType.getElementType()),
      [&](mlir::OpBuilder &nb, mlir::Location l, mlir::Value x) -> mlir::Value {
        return mlir::arith::TruncFOp::create(nb, l, qType.getElementType(), x);
      });
}

template <typename AttentionOp>
float scaleOf(AttentionOp op) {
  int64_t headDim =
      mlir::cast<mlir::ShapedType>(op.getQuery().getType()).getDimSize(2);
  return op.getScale() ? op.getScale()->convertToFloat()
                       : 1.0f / std::sqrt(float(headDim));
}

/// decode_attention(q, K, V) -> the dense linalg form.
void denseToLinalg(mlir::ModuleOp module) {
  llvm::SmallVector<sp::DecodeAttentionOp> ops;
  module.walk([&](sp::DecodeAttentionOp op) { ops.push_back(op); });
  for (sp::DecodeAttentionOp op : ops) {
    mlir::OpBuilder b(op);
    mlir::Value out =
        linalgAttention(b, op.getLoc(), op.getQuery(), op.getKeyCache(),
                        op.getValueCache(), /*mask=*/nullptr, scaleOf(op));
    op.getResult().replaceAllUsesWith(out);
    op.erase();
  }
}

/// masked_attention(q, rows K, rows V, idx) (what unfuse() makes) -> the
/// linalg form over the gathered rows, masked from idx.
void maskedToLinalg(mlir::ModuleOp module) {
  llvm::SmallVector<sp::MaskedAttentionOp> ops;
  module.walk([&](sp::MaskedAttentionOp op) { ops.push_back(op); });
  for (sp::MaskedAttentionOp op : ops) {
    mlir::OpBuilder b(op);
    mlir::Value out =
        linalgAttention(b, op.getLoc(), op.getQuery(), op.getKeys(),
                        op.getValues(), op.getMask(), scaleOf(op));
    op.getResult().replaceAllUsesWith(out);
    op.erase();
  }
}

std::string moduleText(const DecodeGeometry &g, Form form, int64_t budget) {
  mlir::MLIRContext context;
  // The fallback builds linalg.generic; patterns load no dialect.
  context.loadDialect<mlir::linalg::LinalgDialect, mlir::arith::ArithDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module = buildDecodeModule(context, g);
  if (form == Form::Unfused || form == Form::KeptUnfused ||
      form == Form::LinalgUnfused)
    unfuse(*module);
  if (form == Form::LinalgUnfused)
    maskedToLinalg(*module);
  if (form == Form::KeptUnfused) {
    // The fallback alone: no fusion, the rows stay gathered copies.
    mlir::RewritePatternSet patterns(&context);
    sp::populateLowerMaskedAttentionPatterns(patterns);
    EXPECT_TRUE(mlir::succeeded(
        mlir::applyPatternsGreedily(*module, std::move(patterns))));
  }
  if (form == Form::LinalgDenseSparsified)
    denseToLinalg(*module);
  if (form == Form::DenseSparsified || form == Form::LinalgDenseSparsified) {
    mlir::PassManager pm(&context);
    sp::SpotlightSparsifyAttentionOptions options;
    options.budget = budget;
    options.sink = g.sink;
    options.window = g.window;
    options.mode = g.headMode ? "head" : "group";
    options.codeHeads = g.codeHeads == g.queryHeads ? "query" : "kv";
    pm.addPass(sp::createSpotlightSparsifyAttention(options));
    EXPECT_TRUE(mlir::succeeded(pm.run(*module)));
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  if (form == Form::LinalgDenseSparsified) {
    EXPECT_EQ(text.find("linalg.softmax"), std::string::npos)
        << "the linalg form was not raised:\n"
        << text;
  }
  if (form == Form::LinalgUnfused) {
    // The pipelines fuse it; check here that the pass does.
    mlir::OwningOpRef<mlir::ModuleOp> fused(module->clone());
    mlir::PassManager pm(&context);
    pm.addPass(sp::createSpotlightFuseGatherAttention());
    EXPECT_TRUE(mlir::succeeded(pm.run(*fused)));
    std::string after;
    llvm::raw_string_ostream afterOs(after);
    fused->print(afterOs);
    EXPECT_EQ(after.find("linalg.softmax"), std::string::npos)
        << "the linalg form over gathers was not fused:\n"
        << after;
  }
  return text;
}

void call(JitModule &jit, spotlight::abi::EntryPoint entry,
          std::vector<HostTensor *> args) {
  spotlight::testing::call(jit, spotlight::abi::entrySymbol(entry),
                           std::move(args));
}

struct Case {
  const char *name;
  int64_t group, headDim;
  bool codePerQueryHead, headMode;
  ElementType dtype;
  int64_t budgetCount;
};

DecodeGeometry geometryOf(const Case &c) {
  DecodeGeometry g =
      testGeometry(c.group, c.headDim, c.codePerQueryHead, c.headMode, c.dtype);
  g.batch = 2;
  g.budgetCount = c.budgetCount;
  g.maxTokens = 1000;
  return g;
}

class FusionTest : public ::testing::TestWithParam<std::tuple<Lowering, Case>> {
};

TEST_P(FusionTest, UnfusedModuleMatchesTheFusedOne) {
  using spotlight::abi::EntryPoint;
  const DecodeGeometry g = geometryOf(std::get<1>(GetParam()));
  ASSERT_EQ(g.validate(), "");
  Lowering lowering = std::get<0>(GetParam());
  JitModule &fused = compiledText(moduleText(g, Form::Fused, 0), lowering);
  JitModule &unfused = compiledText(moduleText(g, Form::Unfused, 0), lowering);
  JitModule &kept = compiledText(moduleText(g, Form::KeptUnfused, 0), lowering);
  JitModule &linalgForm =
      compiledText(moduleText(g, Form::LinalgUnfused, 0), lowering);
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  const double tolerance = g.dtype == ElementType::F32 ? 1e-5 : 1e-2;

  // 5 and 67 leave -1 slots in every row; 1000 selects a strict subset.
  for (int64_t n : {5, 67, 1000}) {
    SCOPED_TRACE("N=" + std::to_string(n));
    DecodeProblem p(g, n, 1234 + n);
    HostTensor kc({B, KH, n, C, W}, 4);
    call(fused, EntryPoint::EncodeKeys,
         {&p.kT, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &kc});

    std::vector<std::vector<double>> outs;
    std::vector<std::vector<int32_t>> sets;
    for (JitModule *jit : {&fused, &unfused, &kept, &linalgForm}) {
      HostTensor out({B, QH, D}, elementTypeBytes(g.dtype)), idx({B, S, M}, 4);
      call(*jit, EntryPoint::Decode,
           {&p.qT, &p.kT, &p.vT, &kc, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &out,
            &idx});
      outs.push_back(readAll(out, g.dtype));
      sets.emplace_back(idx.as<int32_t>(), idx.as<int32_t>() + B * S * M);
      // Attend over the selection alone too.
      HostTensor attended({B, QH, D}, elementTypeBytes(g.dtype));
      call(*jit, EntryPoint::Attend, {&p.qT, &p.kT, &p.vT, &idx, &attended});
      EXPECT_EQ(readAll(attended, g.dtype), outs.back());
    }
    if (n < g.sink + g.window + g.budgetFor(n)) {
      EXPECT_EQ(sets[0].back(), -1) << "expected padded rows";
    }
    EXPECT_EQ(sets[1], sets[0]);
    EXPECT_EQ(sets[2], sets[0]);
    EXPECT_EQ(sets[3], sets[0]);
    EXPECT_EQ(outs[1], outs[0]) << "fused by the pipeline: bit-identical";
    EXPECT_EQ(outs[3], outs[0]) << "linalg form over the gathers, fused by "
                                   "the pipeline: bit-identical";
    EXPECT_LT(relativeError(outs[2], outs[0]), tolerance)
        << "gathered copies, -1 slots masked";
    // And the fused output is the reference's over the same sets.
    std::vector<double> expected;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t qh = 0; qh < QH; ++qh) {
        int64_t s = g.headMode ? qh : qh / g.group();
        const int32_t *row = sets[0].data() + (b * S + s) * M;
        std::vector<int32_t> set;
        for (int64_t m = 0; m < M && row[m] >= 0; ++m)
          set.push_back(row[m]);
        auto o = p.attention(b, qh, set);
        expected.insert(expected.end(), o.begin(), o.end());
      }
    EXPECT_LT(relativeError(outs[0], expected), tolerance);
  }
}

TEST_P(FusionTest, DenseSparsifiedWithBudgetOverNIsDense) {
  using spotlight::abi::EntryPoint;
  const DecodeGeometry g = geometryOf(std::get<1>(GetParam()));
  if (g.weightType != ElementType::F32)
    GTEST_SKIP() << "the pass adds f32 hash weight arguments";
  Lowering lowering = std::get<0>(GetParam());
  const int64_t budget = 1000;
  JitModule &fused = compiledText(moduleText(g, Form::Fused, 0), lowering);
  // The dense baseline as decode_attention, and as the linalg form.
  JitModule &sparsified =
      compiledText(moduleText(g, Form::DenseSparsified, budget), lowering);
  JitModule &linalgSparsified = compiledText(
      moduleText(g, Form::LinalgDenseSparsified, budget), lowering);
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const double tolerance = g.dtype == ElementType::F32 ? 1e-5 : 1e-2;
  for (int64_t n : {5, 300}) {
    SCOPED_TRACE("N=" + std::to_string(n));
    DecodeProblem p(g, n, 99 + n);
    HostTensor kc({B, KH, n, C, W}, 4);
    call(fused, EntryPoint::EncodeKeys,
         {&p.kT, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &kc});
    for (JitModule *jit : {&sparsified, &linalgSparsified}) {
      HostTensor out({B, QH, D}, elementTypeBytes(g.dtype));
      // decode_dense(q, k, v, out) + the arguments the pass appended.
      call(*jit, EntryPoint::DecodeDense,
           {&p.qT, &p.kT, &p.vT, &out, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &kc});
      EXPECT_LT(relativeError(readAll(out, g.dtype), p.denseOutput()),
                tolerance)
          << (jit == &sparsified ? "decode_attention" : "linalg form");
    }
  }
}

constexpr ElementType F32 = ElementType::F32, BF16 = ElementType::BF16;

INSTANTIATE_TEST_SUITE_P(
    Geometries, FusionTest,
    ::testing::Combine(
        ::testing::Values(Lowering::Reference, Lowering::CPU,
                          Lowering::GPUEmulation),
        ::testing::Values(
            // name, G, D, CH=QH, head mode, dtype, budget count
            Case{"g4_d64_chqh_group_f32", 4, 64, true, false, F32, 16},
            Case{"g4_d128_chkh_head_f32", 4, 128, false, true, F32, 0},
            Case{"g7_d64_chqh_head_bf16", 7, 64, true, true, BF16, 32})),
    [](const ::testing::TestParamInfo<std::tuple<Lowering, Case>> &info) {
      return loweringName(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param).name;
    });

} // namespace
