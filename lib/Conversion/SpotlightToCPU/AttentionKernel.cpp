//===- AttentionKernel.cpp - Token-blocked online softmax -----------------===//
//
//   (heads, a stream of K/V rows)  ->  tiles of rows, a loop over pairs of
//     heads, T-token passes: bf16 dots (vdpbf16ps) or f32 FMAs, a
//     shuffle-tree reduction, polynomial exps, one accumulator rescale a
//     pass and head
//
//===----------------------------------------------------------------------===//

#include "AttentionKernel.h"
#include "VectorMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

#include <algorithm>

namespace mlir::spotlight::loops {

KernelShape KernelShape::of(CPUVectorISA isa, Type queryType, Type keyType,
                            Type valueType, int64_t headDim) {
  KernelShape shape;
  switch (isa) {
  case CPUVectorISA::AVX512BF16:
  case CPUVectorISA::AVX512:
    shape.lanes = 16;
    break;
  case CPUVectorISA::AVX2:
    shape.lanes = 8;
    break;
  case CPUVectorISA::Generic:
    shape.lanes = 4;
    break;
  }
  // vdpbf16ps multiplies bf16 pairs exactly and sums them in f32: on bf16
  // rows it changes only the order of the f32 sums, and the scale moves to
  // the f32 logit. (Rounding an f32 or f16 query to bf16 would not: those
  // stay on f32 FMAs.)
  shape.bf16Dot = isa == CPUVectorISA::AVX512BF16 && queryType.isBF16() &&
                  keyType.isBF16() && headDim % 32 == 0;
  shape.stageKeys = !shape.bf16Dot && !keyType.isF32();
  shape.bf16Values = shape.bf16Dot && valueType.isBF16();
  shape.stageValues = !valueType.isF32() && !shape.bf16Values;
  while (shape.lanes > 1 && headDim % shape.lanes != 0)
    shape.lanes /= 2;
  // 16 tokens a pass on 16 lanes: the per-pass softmax work (max, exps of
  // the rescale, reductions, broadcasts) is then spread over more tokens.
  shape.block = shape.lanes;
  return shape;
}

namespace {
/// Multiply-add that LLVM may fuse into one FMA where the CPU has one (an
/// explicit fma intrinsic would become a libm call per lane without).
constexpr arith::FastMathFlags kContract = arith::FastMathFlags::contract;
} // namespace

AttentionKernel::Scratch
AttentionKernel::Scratch::allocate(LoopEmitter &e, const KernelShape &shape,
                                   int64_t headDim, int64_t heads) {
  ImplicitLocOpBuilder &b = e.builder();
  Scratch scratch;
  scratch.rows = e.allocFlat(e.index(shape.tile), b.getIndexType());
  scratch.logits = e.allocFlat(e.index(heads * shape.tile), b.getF32Type());
  if (shape.stageKeys)
    scratch.keys = e.allocFlat(e.index(shape.tile * headDim), b.getF32Type());
  if (shape.stageValues)
    scratch.values = e.allocFlat(e.index(shape.tile * headDim), b.getF32Type());
  if (shape.bf16Values)
    scratch.pairs = e.allocFlat(e.index(shape.tile * headDim), b.getBF16Type());
  return scratch;
}

Value AttentionKernel::greater(Value x, Value y) {
  return arith::SelectOp::create(
      b, arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, y), x, y);
}

Value AttentionKernel::maxOfLanes(Value vector) {
  int64_t lanes = cast<VectorType>(vector.getType()).getNumElements();
  while (lanes > 1) {
    SmallVector<int64_t> low, high;
    for (int64_t lane = 0; lane < lanes / 2; ++lane) {
      low.push_back(lane);
      high.push_back(lanes / 2 + lane);
    }
    vector = greater(vector::ShuffleOp::create(b, vector, vector, low),
                     vector::ShuffleOp::create(b, vector, vector, high));
    lanes /= 2;
  }
  return vector::ExtractOp::create(b, vector, ArrayRef<int64_t>{0});
}

void AttentionKernel::stream(Value firstHead, Value heads, Value lb, Value ub,
                             RowOf rowOf, Prefetch prefetch,
                             PrefetchSpread spread) {
  e.forStep(lb, ub, e.index(shape.tile), [&](Value first) {
    tile(firstHead, heads, first, e.min(e.index(shape.tile), e.sub(ub, first)),
         rowOf, prefetch, spread);
  });
}

void AttentionKernel::tile(Value firstHead, Value heads, Value first,
                           Value count, RowOf rowOf, Prefetch prefetch,
                           PrefetchSpread spread) {
  const int64_t D = headDim, T = shape.block;
  // The tile's rows, looked up once; the 16-bit rows the heads would each
  // widen again are widened here once.
  e.forRange(e.index(0), count, [&](Value j) {
    Value i = e.add(first, j);
    Value row = e.mul(rowOf(i), e.index(D));
    e.store(row, scratch.rows, j);
    if (shape.stageKeys)
      e.store(e.loadF32(k, row, D), scratch.keys, e.mul(j, D));
    if (shape.stageValues)
      e.store(e.loadF32(v, row, D), scratch.values, e.mul(j, D));
  });
  if (shape.bf16Values) {
    // V of tokens 2u and 2u + 1 interleaved, element by element: the bf16
    // pairs vdpbf16ps multiplies by a pair of weights.
    SmallVector<int64_t> interleave;
    for (int64_t d = 0; d < D; ++d)
      interleave.append({d, D + d});
    Value pairCount = arith::DivUIOp::create(b, count, e.index(2));
    e.forRange(e.index(0), pairCount, [&](Value u) {
      Value j = e.mul(u, 2);
      Value even = e.load(v, e.loadScalar(scratch.rows, j), D);
      Value odd = e.load(v, e.loadScalar(scratch.rows, e.add(j, 1)), D);
      e.store(vector::ShuffleOp::create(b, even, odd, interleave),
              scratch.pairs, e.mul(u, 2 * D));
    });
  }
  Value full = e.mul(arith::DivUIOp::create(b, count, e.index(T)), T);
  auto queryOffsetOf = [&](Value g) {
    return e.add(queryBase, e.mul(e.add(firstHead, g), D));
  };
  // The rows ahead [from, to) of the tile, prefetched.
  auto prefetchRange = [&](Value from, Value to) {
    e.forRange(e.min(from, count), e.min(to, count),
               [&](Value j) { prefetch(e.add(first, j)); });
  };
  // EveryPass: slot k = (phase * heads + g) * passes + pass of a head's
  // pass prefetches rows [k * perSlot, (k + 1) * perSlot); a tile with no
  // full pass prefetches them all first.
  const bool everyPass = prefetch && spread == PrefetchSpread::EveryPass;
  Value passes, perSlot;
  if (everyPass) {
    passes = arith::DivUIOp::create(b, full, e.index(T));
    Value slots = e.mul(e.mul(heads, passes), e.index(2));
    perSlot = arith::CeilDivUIOp::create(b, count, e.max(slots, e.index(1)));
    e.ifThen(e.cmp(Pred::eq, passes, e.index(0)),
             [&] { prefetchRange(e.index(0), count); });
  }
  auto prefetchSlot = [&](int64_t phase, Value g, Value j) {
    Value pass = arith::DivUIOp::create(b, j, e.index(T));
    Value slot = e.add(
        e.mul(e.add(e.mul(e.index(phase), heads), g), passes), pass);
    Value from = e.mul(slot, perSlot);
    prefetchRange(from, e.add(from, perSlot));
  };
  // The logits of every head's full passes, at g * tile + j. HeadStart:
  // each head first prefetches its share of the rows ahead, so that the
  // requests spread over the tile instead of queueing behind each other at
  // its start.
  const bool headStart = prefetch && !everyPass;
  Value share =
      headStart ? arith::CeilDivUIOp::create(b, count, heads).getResult()
                : Value();
  e.forRange(e.index(0), heads, [&](Value g) {
    if (headStart) {
      Value from = e.mul(g, share);
      prefetchRange(from, e.add(from, share));
    }
    Value queryOffset = queryOffsetOf(g);
    e.forStep(e.index(0), full, e.index(T), [&](Value j) {
      e.store(logits(queryOffset, rowOffsets(j, T).first), scratch.logits,
              e.add(e.mul(g, shape.tile), j));
      if (everyPass)
        prefetchSlot(0, g, j);
    });
  });
  // The heads over the tile two at a time (then the odd one), their states
  // in registers: each step of a pass (max, exps, rounding, weighted sums)
  // is emitted for both heads, so that their chains overlap where one
  // head's would leave the core waiting on its latency.
  auto softmaxOver = [&](ArrayRef<Value> gs) {
    SmallVector<Value> state, queryOffsets;
    for (Value g : gs) {
      Value qh = e.add(firstHead, g);
      queryOffsets.push_back(queryOffsetOf(g));
      state.append({e.loadScalar(maxes, qh), e.loadScalar(sums, qh),
                    e.load(acc, e.mul(qh, D), D)});
    }
    auto passes = [&](Value from, Value to, int64_t tokens, bool computed) {
      ValueRange out = e.forStep(
          from, to, e.index(tokens), state,
          [&](Value j, ValueRange running) -> SmallVector<Value> {
            SmallVector<Value> ls;
            for (Value g : computed ? gs : ArrayRef<Value>()) {
              ls.push_back(e.load(scratch.logits,
                                  e.add(e.mul(g, shape.tile), j), tokens));
              if (everyPass)
                prefetchSlot(1, g, j);
            }
            return pass(queryOffsets, j, tokens, running, ls);
          });
      state.assign(out.begin(), out.end());
    };
    passes(e.index(0), full, T, /*computed=*/true);
    if (T > 1)
      passes(full, count, 1, /*computed=*/false);
    for (auto [h, g] : llvm::enumerate(gs)) {
      Value qh = e.add(firstHead, g);
      e.store(state[3 * h], maxes, qh);
      e.store(state[3 * h + 1], sums, qh);
      e.store(state[3 * h + 2], acc, e.mul(qh, D));
    }
  };
  // Only where p.v is bf16 dots: the f32 paths' accumulators take D /
  // lanes registers a head, and a second head's made them spill (one
  // core's dense step at 4K tokens 1.25-1.4x slower with haswell's loops,
  // 1.05-1.1x with skylake-avx512's).
  Value pairedHeads = e.index(0);
  if (shape.bf16Values) {
    pairedHeads = e.mul(arith::DivUIOp::create(b, heads, e.index(2)), 2);
    e.forStep(e.index(0), pairedHeads, e.index(2),
              [&](Value g) { softmaxOver({g, e.add(g, 1)}); });
  }
  e.forRange(pairedHeads, heads, [&](Value g) { softmaxOver({g}); });
}

std::pair<SmallVector<Value>, SmallVector<Value>>
AttentionKernel::rowOffsets(Value first, int64_t tokens) {
  const int64_t D = headDim;
  SmallVector<Value> keyOffsets, valueOffsets;
  for (int64_t t = 0; t < tokens; ++t) {
    Value j = t ? e.add(first, t) : first;
    Value row;
    if (!shape.stageKeys || !shape.stageValues)
      row = e.loadScalar(scratch.rows, j);
    keyOffsets.push_back(shape.stageKeys ? e.mul(j, D) : row);
    valueOffsets.push_back(shape.stageValues ? e.mul(j, D) : row);
  }
  return {keyOffsets, valueOffsets};
}

SmallVector<Value> AttentionKernel::pass(ArrayRef<Value> queryOffsets,
                                         Value first, int64_t tokens,
                                         ValueRange states,
                                         ArrayRef<Value> ls) {
  const int64_t D = headDim, heads = queryOffsets.size();
  auto [keyOffsets, valueOffsets] = rowOffsets(first, tokens);
  auto reduce = [&](vector::CombiningKind kind, Value vector) -> Value {
    if (tokens == 1)
      return vector::ExtractOp::create(b, vector, ArrayRef<int64_t>{0});
    return vector::ReductionOp::create(b, kind, vector,
                                       arith::FastMathFlags::reassoc);
  };
  SmallVector<Value> maxNew(heads), correction(heads), p(heads),
      out(3 * heads);
  for (int64_t h = 0; h < heads; ++h) {
    Value l = ls.empty() ? logits(queryOffsets[h], keyOffsets) : ls[h];
    // The max as compare-and-selects (vmaxps, no NaN fix-ups): a NaN logit
    // (docs/Semantics.md, "Non-finite values") may be skipped here, but
    // its weight exp(NaN - max) is NaN, and so are the sum and the head's
    // output.
    Value maxOld = states[3 * h];
    maxNew[h] = greater(maxOld, maxOfLanes(l));
    // One exp per token, and one a pass for the rescale of the running sum
    // and accumulator.
    correction[h] = vectorExp(b, arith::SubFOp::create(b, maxOld, maxNew[h]));
    p[h] = vectorExp(b,
                     arith::SubFOp::create(b, l, e.splat(maxNew[h], tokens)));
    out[3 * h] = maxNew[h];
  }
  auto rescaled = [&](int64_t h, Value accPart) {
    int64_t width = cast<VectorType>(accPart.getType()).getNumElements();
    return arith::MulFOp::create(b, accPart, e.splat(correction[h], width));
  };
  auto rescaledSum = [&](int64_t h, Value sum) {
    return arith::AddFOp::create(
        b, arith::MulFOp::create(b, states[3 * h + 1], correction[h]), sum);
  };
  if (shape.bf16Values && tokens > 1) {
    // The weights rounded to bf16 (vcvtneps2bf16), summed as rounded;
    // weight pair u (tokens 2u, 2u + 1) broadcast as one 32-bit pair to
    // every lane of a dot.
    assert(tokens == 16 && "bf16 p.v runs on AVX-512's 16-token passes");
    auto chunkType = VectorType::get({16}, b.getF32Type());
    SmallVector<SmallVector<Value>> pairWeights(heads);
    for (int64_t h = 0; h < heads; ++h) {
      Value rounded = x86vector::CvtPackedF32ToBF16Op::create(
          b, VectorType::get({16}, b.getBF16Type()), p[h]);
      out[3 * h + 1] = rescaledSum(
          h, reduce(vector::CombiningKind::ADD,
                    arith::ExtFOp::create(b, chunkType, rounded)));
      Value weightPairs = vector::BitCastOp::create(
          b, VectorType::get({8}, b.getI32Type()), rounded);
      for (int64_t u = 0; u < 8; ++u)
        pairWeights[h].push_back(vector::BitCastOp::create(
            b, VectorType::get({32}, b.getBF16Type()),
            e.splat(
                vector::ExtractOp::create(b, weightPairs, ArrayRef<int64_t>{u}),
                16)));
    }
    // Per 16 lanes of each head's accumulator, chains of dots over the
    // pass's pairs: a lone head splits each chunk's dots over two chains,
    // so that enough dots are in flight to hide their latency.
    const int64_t chains = heads == 1 ? 2 : 1;
    Value firstPair = arith::DivUIOp::create(b, first, e.index(2));
    for (int64_t h = 0; h < heads; ++h)
      out[3 * h + 2] = states[3 * h + 2];
    for (int64_t c = 0; c < D; c += 16) {
      for (int64_t h = 0; h < heads; ++h) {
        SmallVector<Value, 2> chain = {
            rescaled(h, vector::ExtractStridedSliceOp::create(
                            b, states[3 * h + 2], ArrayRef<int64_t>{c},
                            ArrayRef<int64_t>{16}, ArrayRef<int64_t>{1}))};
        if (chains == 2)
          chain.push_back(constantOf(b, chunkType, 0));
        for (int64_t u = 0; u < tokens / 2; ++u)
          chain[u % chains] = x86vector::DotBF16Op::create(
              b, chunkType, chain[u % chains], pairWeights[h][u],
              e.load(scratch.pairs,
                     e.add(e.mul(e.add(firstPair, u), 2 * D), 2 * c), 32));
        Value sum = chains == 2
                        ? arith::AddFOp::create(b, chain[0], chain[1])
                        : chain[0];
        out[3 * h + 2] = vector::InsertStridedSliceOp::create(
            b, sum, out[3 * h + 2], ArrayRef<int64_t>{c},
            ArrayRef<int64_t>{1});
      }
    }
    return out;
  }
  FlatBuffer values = shape.stageValues ? scratch.values : v;
  for (int64_t h = 0; h < heads; ++h) {
    out[3 * h + 1] = rescaledSum(h, reduce(vector::CombiningKind::ADD, p[h]));
    Value accNew = rescaled(h, states[3 * h + 2]);
    for (int64_t t = 0; t < tokens; ++t) {
      Value weight = vector::ExtractOp::create(b, p[h], ArrayRef<int64_t>{t});
      accNew = arith::AddFOp::create(
          b,
          arith::MulFOp::create(b, e.splat(weight, D),
                                e.loadF32(values, valueOffsets[t], D),
                                kContract),
          accNew, kContract);
    }
    out[3 * h + 2] = accNew;
  }
  return out;
}

Value AttentionKernel::logits(Value queryOffset, ArrayRef<Value> keyOffsets) {
  SmallVector<Value> parts;
  auto f32 = b.getF32Type();
  FlatBuffer keys = shape.stageKeys ? scratch.keys : k;
  for (Value row : keyOffsets) {
    Value part;
    if (shape.bf16Dot) {
      // 32 bf16 of q and k per vdpbf16ps, summed pairwise into 16 f32.
      auto partType = VectorType::get({16}, f32);
      part = constantOf(b, partType, 0);
      for (int64_t c = 0; c < headDim; c += 32)
        part = x86vector::DotBF16Op::create(
            b, partType, part, e.load(queries, e.add(queryOffset, c), 32),
            e.load(keys, e.add(row, c), 32));
    } else {
      const int64_t W = shape.lanes;
      for (int64_t c = 0; c < headDim; c += W) {
        Value product =
            arith::MulFOp::create(b, e.load(queries, e.add(queryOffset, c), W),
                                  e.loadF32(keys, e.add(row, c), W), kContract);
        part =
            part ? arith::AddFOp::create(b, product, part, kContract) : product;
      }
    }
    parts.push_back(part);
  }
  Value l = sumEach(parts);
  if (shape.bf16Dot)
    l = arith::MulFOp::create(
        b, l, constantOf(b, l.getType(), static_cast<double>(scale)));
  return l;
}

Value AttentionKernel::sumEach(ArrayRef<Value> parts) {
  const int64_t T = parts.size();
  if (T == 1) {
    Value sum = vector::ReductionOp::create(
        b, vector::CombiningKind::ADD, parts[0], arith::FastMathFlags::reassoc);
    return e.splat(sum, 1);
  }
  const int64_t W = cast<VectorType>(parts[0].getType()).getNumElements();
  // Level by level, pairs of vectors holding k segments of w lanes (one
  // segment a token) become one vector of 2k segments of w / 2 lanes: the
  // low halves of the segments of both plus their high halves.
  SmallVector<Value> level(parts.begin(), parts.end());
  int64_t segments = 1, width = W;
  while (level.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      SmallVector<int64_t> low, high;
      for (int64_t from : {int64_t(0), W})
        for (int64_t s = 0; s < segments; ++s)
          for (int64_t lane = 0; lane < width / 2; ++lane) {
            low.push_back(from + s * width + lane);
            high.push_back(from + s * width + width / 2 + lane);
          }
      Value a = level[i], c = level[i + 1];
      next.push_back(
          arith::AddFOp::create(b, vector::ShuffleOp::create(b, a, c, low),
                                vector::ShuffleOp::create(b, a, c, high)));
    }
    level = std::move(next);
    segments *= 2;
    width /= 2;
  }
  // T segments of w lanes in one vector: halve the segments to one lane.
  Value sums = level.front();
  while (width > 1) {
    SmallVector<int64_t> low, high;
    for (int64_t s = 0; s < T; ++s)
      for (int64_t lane = 0; lane < width / 2; ++lane) {
        low.push_back(s * width + lane);
        high.push_back(s * width + width / 2 + lane);
      }
    sums =
        arith::AddFOp::create(b, vector::ShuffleOp::create(b, sums, sums, low),
                              vector::ShuffleOp::create(b, sums, sums, high));
    width /= 2;
  }
  return sums;
}

} // namespace mlir::spotlight::loops
