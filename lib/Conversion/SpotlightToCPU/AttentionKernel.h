//===- AttentionKernel.h - Token-blocked online softmax ---------*- C++ -*-===//
//
// The inner loops of both CPU attention lowerings: query heads of one KV
// head over a stream of K/V rows, a tile of tokens at a time:
//
//   for each tile of up to 32 tokens:
//     rows of the tile -> scratch; V (and K, for f32 dots on 16-bit keys)
//     widened to f32 once into scratch
//     scf.for head g: prefetch its share of the rows ahead; each pass of T
//       tokens:
//         l[g] = scale * (q[g] . k[t])_t   vector<T x f32>, the T dot
//                                          products reduced together
//     scf.for heads g, g + 1 (then the odd one; with bf16 p.v, else one
//       head at a time):  (m, s, acc) of each in registers; for each pass
//       of T tokens (then one at a time for the tail), each step for both
//       heads before the next step:
//         m' = max(m, max_t l[g]);  c = exp(m - m');  p = exp(l[g] - m')
//         s' = s * c + sum_t p;  acc' = acc * c + sum_t p[t] * v[t]
//
// A tile's rows stay in L1 while its heads run over them, so each row
// comes from memory once for all heads; a head's accumulator stays in
// registers for the whole tile, rescaled once a pass, not once a token.
// The logits of every head come first: they depend on no running state,
// so the heads' dot products overlap. The softmax of a pass is a chain
// (max, exps, rounding, weighted sum) too long for the core to overlap
// one head's with the next's on its own; two heads' chains emitted step by
// step give it independent work at every step.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_ATTENTIONKERNEL_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_ATTENTIONKERNEL_H

#include "../Utils/LoopEmitter.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"

namespace mlir::spotlight::loops {

/// How the token-blocked loops are shaped for a target and element types.
struct KernelShape {
  /// The shape for `isa` with queries of `queryType`, keys of `keyType` and
  /// rows of `headDim` elements.
  static KernelShape of(CPUVectorISA isa, Type queryType, Type keyType,
                        Type valueType, int64_t headDim);

  /// q . k as bf16 dot products (x86vector.avx512.dot) on the raw bf16
  /// rows, the scale applied to the f32 result; else f32 FMAs on the
  /// scaled f32 query.
  bool bf16Dot = false;
  /// K (for f32 dots) and V rows widened to f32 into scratch once a tile,
  /// not once a head: stored in 16-bit types.
  bool stageKeys = false, stageValues = false;
  /// p . v as bf16 dot products too: the pass's softmax weights rounded to
  /// bf16 (their sum taken after the rounding, so the output stays a
  /// weighted mean), V staged as bf16 pairs of consecutive tokens.
  bool bf16Values = false;
  int64_t lanes = 4; ///< f32 lanes of one vector
  int64_t block = 4; ///< tokens a pass (at most `lanes`)
  int64_t tile = 32; ///< tokens a tile
};

class AttentionKernel {
public:
  /// The scratch an emitter allocates once (outside its loops) for the
  /// kernel: tile rows and, where the shape stages them, f32 K and V.
  struct Scratch {
    FlatBuffer rows, keys, values, pairs, logits;
    /// For streams of at most `heads` query heads (a KV head's group).
    static Scratch allocate(LoopEmitter &e, const KernelShape &shape,
                            int64_t headDim, int64_t heads);
  };

  /// Per query head qh: its query row at `queryBase + qh * headDim` in
  /// `queries` (the raw query when bf16Dot, else the scaled f32 query), its
  /// f32 accumulator at `qh * headDim` in `acc`, its running max and sum
  /// at `qh` in `maxes` and `sums`.
  AttentionKernel(LoopEmitter &e, KernelShape shape, FlatBuffer k, FlatBuffer v,
                  FlatBuffer queries, Value queryBase, FlatBuffer acc,
                  FlatBuffer maxes, FlatBuffer sums, Scratch scratch,
                  int64_t headDim, float scale)
      : e(e), b(e.builder()), shape(shape), k(k), v(v), queries(queries),
        queryBase(queryBase), acc(acc), maxes(maxes), sums(sums),
        scratch(scratch), headDim(headDim), scale(scale) {}

  /// Token i's K/V row (in rows of headDim elements).
  using RowOf = function_ref<Value(Value)>;
  /// Called once for each token i of a tile, spread over its heads, to
  /// prefetch the rows ahead.
  using Prefetch = function_ref<void(Value)>;
  /// Where in a tile's work the prefetches of the rows ahead go.
  enum class PrefetchSpread {
    /// Each head's share before its logits: scattered rows (sparse), each
    /// a whole DRAM latency away, are asked for as early as the tile can.
    HeadStart,
    /// A slice in every pass of every head (its logits, then its softmax):
    /// a streamed run (dense) keeps a few misses in flight all the time,
    /// where a head's whole share at once overflowed the core's miss
    /// buffers and stalled it on the prefetches.
    EveryPass,
  };

  /// Streams tokens [lb, ub) with rows rowOf(i) through query heads
  /// [firstHead, firstHead + heads), updating their state in memory.
  void stream(Value firstHead, Value heads, Value lb, Value ub, RowOf rowOf,
              Prefetch prefetch = nullptr,
              PrefetchSpread spread = PrefetchSpread::HeadStart);


private:
  void tile(Value firstHead, Value heads, Value first, Value count, RowOf rowOf,
            Prefetch prefetch, PrefetchSpread spread);
  /// A pass of `tokens` tokens from `first` through the running states
  /// (max, sum, accumulator) of one or more heads, the query of head h at
  /// queryOffsets[h]; `ls` holds each head's logits of the pass, or is
  /// empty to compute them here.
  SmallVector<Value> pass(ArrayRef<Value> queryOffsets, Value first,
                          int64_t tokens, ValueRange states,
                          ArrayRef<Value> ls);
  /// The offsets of tokens [first, first + tokens) in K and V.
  std::pair<SmallVector<Value>, SmallVector<Value>> rowOffsets(Value first,
                                                               int64_t tokens);
  Value logits(Value queryOffset, ArrayRef<Value> keyOffsets);
  /// The larger of x and y as x86's max does it (y when either is NaN).
  Value greater(Value x, Value y);
  /// The largest lane of a vector (a halving tree of `greater`).
  Value maxOfLanes(Value vector);
  /// vector<T x f32> of the sums of T vectors of `lanes` f32.
  Value sumEach(ArrayRef<Value> parts);

  LoopEmitter &e;
  ImplicitLocOpBuilder &b;
  KernelShape shape;
  FlatBuffer k, v, queries;
  Value queryBase;
  FlatBuffer acc, maxes, sums;
  Scratch scratch;
  int64_t headDim;
  float scale;
};

} // namespace mlir::spotlight::loops

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_ATTENTIONKERNEL_H
