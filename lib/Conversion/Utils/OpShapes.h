//===- OpShapes.h - The static shapes every lowering of an op needs -*- C++ -*-//
//
// Each lowering (reference, CPU, GPU) derives the same few numbers from an
// op's operand types; they are derived here once.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H

#include "LoopEmitter.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include <cmath>
#include <optional>
#include <type_traits>

namespace mlir::spotlight::loops {

inline int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

/// Where token t of sequence b lives in a cache operand (K, V or key
/// codes) whose rows of one head are `rowElements` wide: contiguous
/// `[B, KH, N, row]`, or a paged pool `[P, page_size, KH, row]` reached
/// through `block_table [B, max_pages]` with `seq_lens [B]` tokens per
/// sequence (SEMANTICS.md, "Paged KV layout"). Shared by the CPU and GPU
/// loops; the reference lowering expresses the same on tensors.
struct TokenAddressing {
  /// `cache` is the operand's buffer; `blockTable`/`seqLens` are null for
  /// the contiguous form.
  TokenAddressing(ImplicitLocOpBuilder &b, Value cache, Value blockTable,
                  Value seqLens, int64_t kvHeads)
      : paged(static_cast<bool>(blockTable)), kvHeads(kvHeads),
        tokenRows(paged ? poolTokenRows(cache, kvHeads) : 1) {
    LoopEmitter e(b);
    if (paged) {
      table = e.flat(blockTable);
      lens = e.flat(seqLens);
      maxPages = e.dim(blockTable, 1);
      // A static page size is a constant: t / page_size and t % page_size
      // become shifts and masks for the usual powers of two.
      int64_t staticPageSize = dimOf(cache, 1);
      pageSize = ShapedType::isDynamic(staticPageSize)
                     ? e.dim(cache, 1)
                     : e.index(staticPageSize);
      capacity = e.mul(maxPages, pageSize);
    } else {
      tokensPerRow = e.dim(cache, 2);
    }
  }

  /// The tokens of sequence b (index): N, or seq_lens[b] clamped to
  /// [0, maxTokens()], so that a bad length (the runtime rejects those) can
  /// make no loop read past the block table.
  Value tokens(LoopEmitter &e, Value b) const {
    if (!paged)
      return tokensPerRow;
    Value length = arith::IndexCastOp::create(
        e.builder(), e.builder().getIndexType(), e.loadScalar(lens, b));
    return e.min(e.max(length, e.index(0)), maxTokens(e));
  }

  /// An upper bound of tokens(e, b) over every b, from the shapes alone
  /// (what the GPU sizes its grids by): N, or the block table's capacity
  /// max_pages * page_size.
  Value maxTokens(LoopEmitter &e) const {
    return paged ? capacity : tokensPerRow;
  }

  /// The largest tokens(e, b) of the `batch` sequences: what host code
  /// sizes scratch by. A block table may be far wider than its sequences
  /// (an engine sizes it for its longest context), and a scratch of
  /// max_pages * page_size tokens could not be allocated.
  Value longestSequence(LoopEmitter &e, Value batch) const {
    if (!paged)
      return tokensPerRow;
    return e.forRange(e.index(0), batch, ValueRange{e.index(0)},
                      [&](Value b, ValueRange longest) -> SmallVector<Value> {
                        return {e.max(longest[0], tokens(e, b))};
                      })[0];
  }

  /// Rows between consecutive tokens of one head: 1 contiguous, the pool's
  /// KV heads in a page (its tokens interleave the heads).
  int64_t rowStride() const { return tokenRows; }

  /// Rows from head 0 to head h of one token: h in a page, h * N
  /// contiguous. A run of head 0 thus gives every head's rows.
  Value headRows(LoopEmitter &e, Value h) const {
    return paged ? h : e.mul(h, tokensPerRow);
  }

  /// The row of token t of a run: rowBase + t * rowStride().
  Value runRow(LoopEmitter &e, Value rowBase, Value t) const {
    return e.add(rowBase, paged ? e.mul(t, tokenRows) : t);
  }

  /// Tokens [first, end) whose rows are runRow(rowBase, t).
  struct Run {
    Value first, end, rowBase;
    /// Paged: runRow(aheadBase, t) is the row of token t + k x page_size,
    /// on the sequence's k-th next page (k = forEachRun's aheadPages; its
    /// last page's where there are fewer), to prefetch: the hardware
    /// prefetcher loses a strided stream at every page jump. Null
    /// contiguous.
    Value aheadBase;
  };

  /// What `forEachRun` runs on a run. Returns the state to carry on.
  using RunBody =
      function_ref<SmallVector<Value>(const Run &run, ValueRange state)>;

  /// Tokens [lo, hi) of (sequence b, KV head h) as runs of tokens at a
  /// constant row stride, carrying `inits` through them: one run
  /// (contiguous), or one per page, so that a page's block-table entry is
  /// loaded once, outside the loop over its tokens. Reads only the entries
  /// of pages holding tokens [lo, hi). Returns the final state.
  SmallVector<Value> forEachRun(LoopEmitter &e, Value b, Value h, Value lo,
                                Value hi, ValueRange inits, RunBody body,
                                int64_t aheadPages = 1) const;

  /// The row number (in rows of one head) of token t of (sequence b, KV
  /// head h); multiply by the row width for an element offset.
  Value row(LoopEmitter &e, Value b, Value h, Value t) const {
    if (!paged)
      return e.add(e.mul(e.add(e.mul(b, kvHeads), h), tokensPerRow), t);
    ImplicitLocOpBuilder &builder = e.builder();
    Value pageOfToken = arith::DivUIOp::create(builder, t, pageSize);
    Value offset = arith::RemUIOp::create(builder, t, pageSize);
    Value page = arith::IndexCastOp::create(
        builder, builder.getIndexType(),
        e.loadScalar(table, e.add(e.mul(b, maxPages), pageOfToken)));
    return e.add(e.mul(e.add(e.mul(page, pageSize), offset), tokenRows), h);
  }

  /// The rows between consecutive tokens of a paged pool `cache` [P,
  /// page_size, KH, row...]: KH, or the whole pool's heads when `cache` is
  /// one KV head's view of it (a strided layout, abi::EntryScope::KVHead).
  static int64_t poolTokenRows(Value cache, int64_t kvHeads);

  bool paged;
  int64_t kvHeads;
  int64_t tokenRows;              ///< rowStride()
  Value tokensPerRow;             ///< contiguous: N
  FlatBuffer table, lens;         ///< paged: block_table, seq_lens
  Value maxPages, pageSize;       ///< paged
  Value capacity;                 ///< paged: max_pages * page_size
};

/// hash_encode: input [B, H, (N,) D], weights [CH, D, D].
struct HashShape {
  HashShape(Value input, Value w1)
      : perToken(cast<ShapedType>(input.getType()).getRank() == 4),
        heads(dimOf(input, 1)), headDim(dimOf(input, perToken ? 3 : 2)),
        words(headDim / 32), codeHeads(dimOf(w1, 0)),
        codesPerHead(codeHeads >= heads ? codeHeads / heads : 1) {}

  bool perToken;
  int64_t heads, headDim, words, codeHeads, codesPerHead;
};

/// hash_encode's shape and its buffers viewed flat (CPU and GPU loops).
struct HashOperands : HashShape {
  HashOperands(LoopEmitter &e, HashEncodeOp::Adaptor adaptor)
      : HashShape(adaptor.getInput(), adaptor.getW1()),
        input(adaptor.getInput()), x(e.flat(input)),
        w1(e.flat(adaptor.getW1())), b1(e.flat(adaptor.getB1())),
        w2(e.flat(adaptor.getW2())), b2(e.flat(adaptor.getB2())),
        codes(e.flat(adaptor.getInit())) {}

  /// Rows hashed per head: N tokens, or the one decode query.
  Value rowsPerHead(LoopEmitter &e) const {
    return perToken ? e.dim(input, 2) : e.index(1);
  }

  /// The weights of code c of head h: one code head per (h, c) when there
  /// are at least as many as heads, else one shared by heads / CH heads.
  Value codeHead(LoopEmitter &e, Value h, Value c) const {
    if (codeHeads >= heads)
      return e.add(e.mul(h, codesPerHead), c);
    return arith::DivUIOp::create(e.builder(), h, e.index(heads / codeHeads));
  }

  Value input;
  FlatBuffer x, w1, b1, w2, b2, codes;
};

/// hamming_topk and hamming_scores: query codes [B, QH, 1, W], key codes
/// [B, KH, N, C, W] or the paged pool [P, page_size, KH, C, W].
struct TopKShape {
  TopKShape(Value queryCodes, Value keyCodes, bool paged, SelectionMode mode)
      : paged(paged), queryHeads(dimOf(queryCodes, 1)),
        kvHeads(dimOf(keyCodes, paged ? 2 : 1)), group(queryHeads / kvHeads),
        codesPerHead(dimOf(keyCodes, 3)), words(dimOf(queryCodes, 3)),
        headMode(mode == SelectionMode::head),
        sets(headMode ? queryHeads : kvHeads), pairs(headMode ? 1 : group) {}
  /// The shape of a hamming_topk or hamming_scores op.
  template <typename OpTy>
  explicit TopKShape(OpTy op)
      : TopKShape(op.getQueryCodes(), op.getKeyCodes(), op.isPaged(),
                  op.getMode()) {}

  /// The largest score of a set: D bits per query head it sums.
  int64_t maxScore() const { return 32 * words * pairs; }

  bool paged;
  int64_t queryHeads, kvHeads, group, codesPerHead, words;
  bool headMode;
  int64_t sets;  ///< selection sets per sequence (S)
  int64_t pairs; ///< query heads scored together per set (G or 1)
};

/// The index operand of an attention op's adaptor; null for the dense op.
template <typename OpTy, typename Adaptor>
Value attentionIndices(Adaptor adaptor) {
  if constexpr (std::is_same_v<OpTy, SparseAttentionOp>)
    return adaptor.getIndices();
  return Value();
}

/// sparse_attention / decode_attention: q [B, QH, D], K/V [B, KH, N, D] or
/// paged pools [P, page_size, KH, D], indices [B, S, M] or none (dense).
struct AttentionShape {
  AttentionShape(Value query, Value keys, Value indices,
                 std::optional<APFloat> scaleAttr, bool paged)
      : paged(paged), queryHeads(dimOf(query, 1)), headDim(dimOf(query, 2)),
        kvHeads(dimOf(keys, paged ? 2 : 1)), group(queryHeads / kvHeads),
        scale(scaleAttr ? scaleAttr->convertToFloat()
                        : 1.0f / std::sqrt(float(headDim))),
        perHeadSets(indices && dimOf(indices, 1) == queryHeads) {}

  /// The shape of attention op `op` (its operands from `adaptor`).
  template <typename OpTy>
  static AttentionShape of(OpTy op, typename OpTy::Adaptor adaptor);

  bool paged;
  int64_t queryHeads, headDim, kvHeads, group;
  float scale;
  bool perHeadSets; ///< one index row per query head (head selection)
};

/// An attention op's shape and its buffers viewed flat (CPU and GPU loops);
/// `indicesBuffer` and `idx` are null for the dense op. `kv` finds a token's
/// K/V row in either layout; `n`, the one token count of the contiguous
/// form, is null for the paged one.
struct AttentionOperands : AttentionShape {
  template <typename OpTy>
  AttentionOperands(ImplicitLocOpBuilder &b, OpTy op,
                    typename OpTy::Adaptor adaptor)
      : AttentionShape(AttentionShape::of(op, adaptor)),
        indicesBuffer(attentionIndices<OpTy>(adaptor)),
        init(adaptor.getInit()), kv(b, adaptor.getKeyCache(),
                                    adaptor.getBlockTable(),
                                    adaptor.getSeqLens(), kvHeads) {
    LoopEmitter e(b);
    q = e.flat(adaptor.getQuery());
    k = e.flat(adaptor.getKeyCache());
    v = e.flat(adaptor.getValueCache());
    if (indicesBuffer)
      idx = e.flat(indicesBuffer);
    n = kv.tokensPerRow;
    batch = e.dim(adaptor.getQuery(), 0);
  }

  Value indicesBuffer, init;
  TokenAddressing kv;
  FlatBuffer q, k, v, idx;
  Value n, batch;
};

template <typename OpTy>
AttentionShape AttentionShape::of(OpTy op, typename OpTy::Adaptor adaptor) {
  return AttentionShape(adaptor.getQuery(), adaptor.getKeyCache(),
                        attentionIndices<OpTy>(adaptor), op.getScale(),
                        op.isPaged());
}

} // namespace mlir::spotlight::loops

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H
