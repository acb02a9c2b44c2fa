//===- SpotlightOps.td - Spotlight op definitions ----------*- tablegen -*-===//

#ifndef SPOTLIGHT_OPS
#define SPOTLIGHT_OPS

include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

/// Operands are ranked tensors or, once bufferized, ranked memrefs (as
/// linalg's): all of one kind in an op.
def Spotlight_FloatShaped : AnyTypeOf<[RankedTensorOf<[F32, F16, BF16]>,
                                       MemRefOf<[F32, F16, BF16]>]>;
def Spotlight_I32Shaped : AnyTypeOf<[RankedTensorOf<[I32]>, MemRefOf<[I32]>]>;
def Spotlight_F32Shaped : AnyTypeOf<[RankedTensorOf<[F32]>, MemRefOf<[F32]>]>;
def Spotlight_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Spotlight_I32Tensor : RankedTensorOf<[I32]>;

/// Every op writes one result into its `outs` operand (destination-passing
/// style). On tensors the result has the init's type; on memrefs the op has
/// no result and writes the init buffer in place (what One-Shot Bufferize
/// makes of it, through BufferizableOpInterface).
/// The paged KV layout of the serving engines (SEMANTICS.md, "Paged KV
/// layout"): an op that reads the cache takes it either contiguous, one
/// `[B, KH, N, ...]` row block per sequence with one N for the batch, or
/// paged, as pools `[P, page_size, KH, ...]` addressed through
/// `pages(%block_table, %seq_lens)`: token `t` of sequence `b` is slot
/// `t % page_size` of page `block_table[b, t / page_size]`, and sequence `b`
/// holds `seq_lens[b]` tokens (0 allowed).
///
/// `paged` ops take the optional `block_table` and `seq_lens` operands (and
/// the AttrSizedOperandSegments trait) and get `isPaged()`.
class Spotlight_DpsOp<string mnemonic, list<Trait> traits = [], bit paged = 0>
    : Spotlight_Op<mnemonic, !listconcat(traits,
        !if(paged, [AttrSizedOperandSegments], []), [
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DeclareOpInterfaceMethods<InferTypeOpInterface>,
        DestinationStyleOpInterface])> {
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }] # !if(paged, [{
    /// Whether the caches are paged pools (the op has `pages(...)`).
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
  }], "");
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, ::std::optional<::mlir::Location>,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      Adaptor adaptor(operands, attributes, properties, regions);
      return detail::inferDpsResult(adaptor.getInit().getType(), inferred);
    }
    void $cppClass::getEffects(::llvm::SmallVectorImpl<
        ::mlir::SideEffects::EffectInstance<::mlir::MemoryEffects::Effect>>
            &effects) {
      detail::getDpsEffects(*this, effects);
    }
  }];
}

//===----------------------------------------------------------------------===//
// hash_encode
//===----------------------------------------------------------------------===//

def Spotlight_HashEncodeOp : Spotlight_DpsOp<"hash_encode"> {
  let summary = "hash rows into packed binary codes with a residual MLP";
  let description = [{
    Hashes every row `x` of `D` values with the two-layer residual MLP of code
    head `c`:

        h1 = silu(x @ W1[c] + b1[c]) + x
        h2 = (h1 @ W2[c] + b2[c]) + h1
        bit j = h2[j] > 0, packed LSB first into D/32 i32 words

    `input` is `[B, H, D]` (queries) or `[B, H, N, D]` (keys); the weights
    are `[CH, D, D]` and `[CH, D]`. With `CH >= H` (CH a multiple of H) head
    `h` is hashed by the `C = CH / H` code heads `h*C .. h*C+C-1`: keys of a
    KV head get one code per query head of their group when `CH = QH`.
    With `CH < H` (H a multiple of CH) head `h` is hashed by code head
    `h / (H / CH)` and `C = 1`. The result is `[B, H, C, D/32]` or
    `[B, H, N, C, D/32]`.

    Example (Qwen2.5-7B keys, CH = QH = 28, KH = 4):

    ```mlir
    %codes = spotlight.hash_encode
        ins(%k, %w1, %b1, %w2, %b2 : tensor<1x4x?x128xbf16>,
            tensor<28x128x128xf32>, tensor<28x128xf32>,
            tensor<28x128x128xf32>, tensor<28x128xf32>)
        outs(%init : tensor<1x4x?x7x4xi32>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$input,
                       Spotlight_FloatShaped:$w1, Spotlight_FloatShaped:$b1,
                       Spotlight_FloatShaped:$w2, Spotlight_FloatShaped:$b2,
                       Spotlight_I32Shaped:$init);
  let results = (outs Optional<Spotlight_I32Tensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $input `,` $w1 `,` $b1 `,` $w2 `,` $b2 `:` type($input) `,`
        type($w1) `,` type($b1) `,` type($w2) `,` type($b2) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// hamming_topk
//===----------------------------------------------------------------------===//

/// The methods of an op that turns a sequence length into a budget k.
defvar Spotlight_BudgetMethods = [{
    /// Slots a count budget needs, or the least a fraction budget needs.
    int64_t getMinimumSlots();
    /// Emits k for `tokens` tokens (index values): the count, or
    /// max(min_budget, floor(fraction * tokens)), capped at
    /// `slots - sink - window` and at least 0.
    ::mlir::Value buildBudget(::mlir::OpBuilder &builder, ::mlir::Location loc,
                              ::mlir::Value tokens, ::mlir::Value slots);
}];

def Spotlight_HammingTopKOp : Spotlight_DpsOp<"hamming_topk", [], 1> {
  let summary = "select sink, recent and best-scoring tokens by Hamming similarity";
  let description = [{
    Scores every cached token `t` against each query head by the number of
    matching code bits, `popcount(~(qcode XOR kcode))`, and selects per row:
    all tokens when `N <= sink + window + k`, else the `sink` first, the
    `window` last and the `k` best-scoring tokens in between (ties go to the
    larger position).

    `query_codes` is `[B, QH, 1, W]`, `key_codes` is `[B, KH, N, C, W]` with
    `C = QH / KH` (one key code per query head, `CH = QH`) or `C = 1`
    (`CH = KH`). In `group` mode the G = QH / KH query-head scores of a KV
    head are summed and one set is chosen per `(B, KH)`; in `head` mode one
    set per `(B, QH)`.

    The budget is a token count (`budget = 64 : i64`) or a fraction of `N`
    (`budget = 0.02 : f64`, giving `k = max(min_budget, floor(f * N))`).

    Output contract: `init` is `[B, S, M]` i32 with `S` = KH (group) or QH
    (head). The selected positions are written in ascending order and the
    remaining slots hold -1. With a count budget `M` must be
    `sink + window + budget`; with a fraction `M` is the caller's capacity
    (at least `sink + window + min_budget`) and the budget is capped at
    `M - sink - window`.

    ```mlir
    %idx = spotlight.hamming_topk group
        ins(%qc, %kc : tensor<1x28x1x4xi32>, tensor<1x4x?x7x4xi32>)
        outs(%init : tensor<1x4x88xi32>) {budget = 20 : i64}
    ```

    Paged form: `key_codes` is the pool `[P, page_size, KH, C, W]` and each
    sequence is scored over its own `seq_lens[b]` tokens (budget, sink and
    window per sequence; indices are logical positions):

    ```mlir
    %idx = spotlight.hamming_topk group
        ins(%qc, %pool : tensor<8x28x1x4xi32>, tensor<?x16x4x7x4xi32>)
        pages(%block_table, %seq_lens : tensor<8x?xi32>, tensor<8xi32>)
        outs(%init : tensor<8x4x?xi32>) {budget = 0.02 : f64}
    ```
  }];
  let arguments = (ins Spotlight_I32Shaped:$query_codes,
                       Spotlight_I32Shaped:$key_codes,
                       Optional<Spotlight_I32Shaped>:$block_table,
                       Optional<Spotlight_I32Shaped>:$seq_lens,
                       Spotlight_I32Shaped:$init,
                       Spotlight_SelectionModeAttr:$mode,
                       AnyAttrOf<[I64Attr, F64Attr]>:$budget,
                       DefaultValuedAttr<I64Attr, "4">:$sink,
                       DefaultValuedAttr<I64Attr, "64">:$window,
                       DefaultValuedAttr<I64Attr, "20">:$min_budget);
  let results = (outs Optional<Spotlight_I32Tensor>:$result);
  let assemblyFormat = [{
    $mode `ins` `(` $query_codes `,` $key_codes `:` type($query_codes) `,`
        type($key_codes) `)`
    (`pages` `(` $block_table^ `,` $seq_lens `:` type($block_table) `,`
        type($seq_lens) `)`)?
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
  let extraClassDeclaration = !strconcat([{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// Whether the key codes are a paged pool (the op has `pages(...)`).
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
  }], Spotlight_BudgetMethods);
}

//===----------------------------------------------------------------------===//
// hamming_scores / score_topk: hamming_topk in two steps
//===----------------------------------------------------------------------===//

def Spotlight_HammingScoresOp : Spotlight_Op<"hamming_scores", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "score a range of cached tokens by Hamming similarity";
  let description = [{
    The scan of `spotlight.hamming_topk` over part of each sequence, so that
    the parts of one long sequence can be scanned on different cores: for
    the middle tokens `t` of sequence `b` (`sink <= t < N - window`) that lie
    in `[token_ranges[b, 0], token_ranges[b, 1])`, it writes the score of
    every selection set `s` (as `hamming_topk` scores it, `mode` alike) at
    `scores[b, s, t]`, and `histograms[b, s, v]` counts those of its tokens
    that score `v`. Every other entry of `scores` keeps its value (the other
    ranges' scores); `histograms` is overwritten, `[B, S, V]` with `V` the
    largest score plus one (32 x W x G in group mode, 32 x W in head mode).

    `spotlight.score_topk` then selects from the scores of ranges that
    together cover the middle tokens, exactly as `hamming_topk` would:

        hamming_topk(qc, kc) ==
          score_topk(scores, stack(histograms of each range))

    The CPU lowering implements it; the runtime's token split calls it
    (EntryPoints.def). Operand forms (contiguous or paged) and the codes are
    those of `hamming_topk`.

    ```mlir
    %scores, %hist = spotlight.hamming_scores group
        ins(%qc, %pool : tensor<1x28x1x4xi32>, tensor<?x16x4x7x4xi32>)
        pages(%block_table, %seq_lens : tensor<1x?xi32>, tensor<1xi32>)
        ranges(%ranges : tensor<1x2xi32>)
        outs(%s, %h : tensor<1x4x?xi32>, tensor<1x4x897xi32>)
        {sink = 4 : i64, window = 64 : i64}
    ```
  }];
  let arguments = (ins Spotlight_I32Shaped:$query_codes,
                       Spotlight_I32Shaped:$key_codes,
                       Optional<Spotlight_I32Shaped>:$block_table,
                       Optional<Spotlight_I32Shaped>:$seq_lens,
                       Spotlight_I32Shaped:$token_ranges,
                       Spotlight_I32Shaped:$scores,
                       Spotlight_I32Shaped:$histograms,
                       Spotlight_SelectionModeAttr:$mode,
                       DefaultValuedAttr<I64Attr, "4">:$sink,
                       DefaultValuedAttr<I64Attr, "64">:$window);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $mode `ins` `(` $query_codes `,` $key_codes `:` type($query_codes) `,`
        type($key_codes) `)`
    (`pages` `(` $block_table^ `,` $seq_lens `:` type($block_table) `,`
        type($seq_lens) `)`)?
    `ranges` `(` $token_ranges `:` type($token_ranges) `)`
    `outs` `(` $scores `,` $histograms `:` type($scores) `,`
        type($histograms) `)` attr-dict
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(),
                                         getOperation()->getNumOperands() - 2,
                                         2);
    }
    /// Whether the key codes are a paged pool (the op has `pages(...)`).
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
  }];
}

def Spotlight_ScoreTopKOp : Spotlight_DpsOp<"score_topk"> {
  let summary = "select sink, recent and best-scoring tokens from their scores";
  let description = [{
    The selection of `spotlight.hamming_topk` from scores a
    `spotlight.hamming_scores` per token range wrote: `scores` is
    `[B, S, N']` (N' at least the longest sequence), `histograms`
    `[R, B, S, V]`, one per range, summed here, and sequence `b` holds
    `seq_lens[b]` tokens. Budget, sink, window and the output are those of
    `hamming_topk`; the scores of the middle tokens of every sequence that
    is not kept whole must be in `scores` and counted by exactly one of the
    `R` histograms.

    ```mlir
    %idx = spotlight.score_topk
        ins(%scores, %hists : tensor<1x4x?xi32>, tensor<2x1x4x897xi32>)
        lens(%seq_lens : tensor<1xi32>)
        outs(%init : tensor<1x4x?xi32>) {budget = 0.02 : f64}
    ```
  }];
  let arguments = (ins Spotlight_I32Shaped:$scores,
                       Spotlight_I32Shaped:$histograms,
                       Spotlight_I32Shaped:$seq_lens,
                       Spotlight_I32Shaped:$init,
                       AnyAttrOf<[I64Attr, F64Attr]>:$budget,
                       DefaultValuedAttr<I64Attr, "4">:$sink,
                       DefaultValuedAttr<I64Attr, "64">:$window,
                       DefaultValuedAttr<I64Attr, "20">:$min_budget);
  let results = (outs Optional<Spotlight_I32Tensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $scores `,` $histograms `:` type($scores) `,`
        type($histograms) `)`
    `lens` `(` $seq_lens `:` type($seq_lens) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
  let extraClassDeclaration = !strconcat([{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }], Spotlight_BudgetMethods);
}

//===----------------------------------------------------------------------===//
// sparse_gather
//===----------------------------------------------------------------------===//

def Spotlight_SparseGatherOp : Spotlight_DpsOp<"sparse_gather"> {
  let summary = "gather the K or V cache rows of selected tokens";
  let description = [{
    `result[b, s, m, :] = cache[b, s / (S / KH), indices[b, s, m], :]`, and
    zeros where the index is -1 (an empty slot). `cache` is `[B, KH, N, D]`,
    `indices` is `[B, S, M]` with S a multiple of KH, the result
    `[B, S, M, D]` with the element type of the cache.

    ```mlir
    %rows = spotlight.sparse_gather
        ins(%k, %idx : tensor<1x4x?x128xbf16>, tensor<1x4x88xi32>)
        outs(%init : tensor<1x4x88x128xbf16>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$cache, Spotlight_I32Shaped:$indices,
                       Spotlight_FloatShaped:$init);
  let results = (outs Optional<Spotlight_FloatTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $cache `,` $indices `:` type($cache) `,` type($indices) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// sparse_attention / decode_attention
//===----------------------------------------------------------------------===//

def Spotlight_SparseAttentionOp : Spotlight_DpsOp<"sparse_attention", [], 1> {
  let summary = "decode attention over the selected tokens only";
  let description = [{
    `o[b, qh] = sum over t in T of softmax_t(scale * q[b, qh] . k[b, h, t]) * v[b, h, t]`
    with `h = qh / (QH / KH)` and `T` the non-negative entries of
    `indices[b, s]`, where `s = h` (`S = KH`, group selection) or `s = qh`
    (`S = QH`, head selection). K and V rows are read in place: no gathered
    copy. `scale` defaults to `1/sqrt(D)`; accumulation is in f32 and the
    output has the element type of `q`.

    ```mlir
    %o = spotlight.sparse_attention
        ins(%q, %k, %v, %idx : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>,
            tensor<1x4x?x128xbf16>, tensor<1x4x88xi32>)
        outs(%init : tensor<1x28x128xbf16>)
    ```

    Paged form: K and V are the pools `[P, page_size, KH, D]`; index `i` of
    sequence `b` names its logical token `i`, read from the page the block
    table gives:

    ```mlir
    %o = spotlight.sparse_attention
        ins(%q, %kp, %vp, %idx : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>,
            tensor<?x16x4x128xbf16>, tensor<8x4x?xi32>)
        pages(%block_table, %seq_lens : tensor<8x?xi32>, tensor<8xi32>)
        outs(%init : tensor<8x28x128xbf16>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$query, Spotlight_FloatShaped:$key_cache,
                       Spotlight_FloatShaped:$value_cache,
                       Spotlight_I32Shaped:$indices,
                       Optional<Spotlight_I32Shaped>:$block_table,
                       Optional<Spotlight_I32Shaped>:$seq_lens,
                       Spotlight_FloatShaped:$init,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Optional<Spotlight_FloatTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key_cache `,` $value_cache `,` $indices `:`
        type($query) `,` type($key_cache) `,` type($value_cache) `,`
        type($indices) `)`
    (`pages` `(` $block_table^ `,` $seq_lens `:` type($block_table) `,`
        type($seq_lens) `)`)?
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

def Spotlight_DecodeAttentionOp : Spotlight_DpsOp<"decode_attention", [], 1> {
  let summary = "dense decode attention over every cached token (the baseline)";
  let description = [{
    The dense baseline of `spotlight.sparse_attention`: the token set is all
    `N` cached tokens (paged form: the `seq_lens[b]` tokens of sequence `b`;
    a sequence of 0 tokens gives 0). GQA: query head `qh` reads KV head
    `qh / (QH / KH)`.

    ```mlir
    %o = spotlight.decode_attention
        ins(%q, %k, %v : tensor<1x28x128xf32>, tensor<1x4x?x128xf32>,
            tensor<1x4x?x128xf32>)
        outs(%init : tensor<1x28x128xf32>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$query, Spotlight_FloatShaped:$key_cache,
                       Spotlight_FloatShaped:$value_cache,
                       Optional<Spotlight_I32Shaped>:$block_table,
                       Optional<Spotlight_I32Shaped>:$seq_lens,
                       Spotlight_FloatShaped:$init,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Optional<Spotlight_FloatTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key_cache `,` $value_cache `:` type($query) `,`
        type($key_cache) `,` type($value_cache) `)`
    (`pages` `(` $block_table^ `,` $seq_lens `:` type($block_table) `,`
        type($seq_lens) `)`)?
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// partial_decode_attention / merge_attention (the CPU runtime's token split)
//===----------------------------------------------------------------------===//

def Spotlight_PartialDecodeAttentionOp : Spotlight_Op<"partial_decode_attention", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "dense decode attention with its log-sum-exp, for merging";
  let description = [{
    `spotlight.decode_attention` over the tokens it is given, keeping what
    attention over more tokens needs to merge this part with others
    (`spotlight.merge_attention`): the output `o[b, qh]` in f32 and the
    log-sum-exp of the scaled logits, `lse[b, qh] = m + log(sum_t exp(l_t -
    m))` with `m = max_t l_t` (a sequence of 0 tokens gives `o = 0`, `lse =
    -inf`). Operands, scale and paged form are those of `decode_attention`.

    The CPU lowering implements it; the runtime calls it on token ranges of
    one long sequence (a range of the block table and its length as views)
    so that its dense step runs on every core (EntryPoints.def).

    ```mlir
    %o, %lse = spotlight.partial_decode_attention
        ins(%q, %kp, %vp : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>,
            tensor<?x16x1x128xbf16>)
        pages(%block_table, %seq_lens : tensor<1x?xi32>, tensor<1xi32>)
        outs(%o_init, %lse_init : tensor<1x7x128xf32>, tensor<1x7xf32>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$query, Spotlight_FloatShaped:$key_cache,
                       Spotlight_FloatShaped:$value_cache,
                       Optional<Spotlight_I32Shaped>:$block_table,
                       Optional<Spotlight_I32Shaped>:$seq_lens,
                       Spotlight_F32Shaped:$init,
                       Spotlight_F32Shaped:$lse,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let hasVerifier = 1;
  let assemblyFormat = [{
    `ins` `(` $query `,` $key_cache `,` $value_cache `:` type($query) `,`
        type($key_cache) `,` type($value_cache) `)`
    (`pages` `(` $block_table^ `,` $seq_lens `:` type($block_table) `,`
        type($seq_lens) `)`)?
    `outs` `(` $init `,` $lse `:` type($init) `,` type($lse) `)` attr-dict
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(),
                                         getOperation()->getNumOperands() - 2,
                                         2);
    }
    /// Whether the caches are paged pools (the op has `pages(...)`).
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
  }];
}

def Spotlight_MergeAttentionOp : Spotlight_DpsOp<"merge_attention"> {
  let summary = "merge attention over parts of the tokens into the whole's";
  let description = [{
    The output of attention over the union of `R` disjoint token sets from
    each set's f32 output `outputs[r, b, qh]` and log-sum-exp `lses[r, b,
    qh]` (`spotlight.partial_decode_attention`): with `M = max_r lses[r]`,

        o[b, qh] = sum_r exp(lses[r] - M) * outputs[r] / sum_r exp(lses[r] - M)

    in f32, stored in the init's element type; 0 where every part is empty
    (`M = -inf`). FlashInfer's `merge_states`.

    ```mlir
    %o = spotlight.merge_attention
        ins(%parts, %lses : tensor<2x1x7x128xf32>, tensor<2x1x7xf32>)
        outs(%init : tensor<1x7x128xbf16>)
    ```
  }];
  let arguments = (ins Spotlight_F32Shaped:$outputs, Spotlight_F32Shaped:$lses,
                       Spotlight_FloatShaped:$init);
  let results = (outs Optional<Spotlight_FloatTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $outputs `,` $lses `:` type($outputs) `,` type($lses) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// cache_write
//===----------------------------------------------------------------------===//

def Spotlight_CacheWriteOp : Spotlight_Op<"cache_write", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "store new tokens' K, V and key codes into the paged pools";
  let description = [{
    The write half of a paged decode step (vLLM's `reshape_and_cache`, with
    the key codes alongside): token `i` of `keys`, `values` `[T, KH, D]` and
    `codes` `[T, KH, C, W]` (from `spotlight.hash_encode` of the keys) is
    stored at slot `slot_mapping[i]` of the pools, i.e. at
    `[slot / page_size, slot % page_size]` of `key_cache`, `value_cache`
    `[P, page_size, KH, D]` and `code_cache` `[P, page_size, KH, C, W]`.
    A slot of -1 skips the token; every other slot is left as it was. Slots
    must be distinct and below `P * page_size` (the runtime checks both).

    ```mlir
    %kp2, %vp2, %cp2 = spotlight.cache_write
        ins(%k, %v, %codes, %slots : tensor<?x4x128xbf16>, tensor<?x4x128xbf16>,
            tensor<?x4x7x4xi32>, tensor<?xi32>)
        outs(%kp, %vp, %cp : tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>,
             tensor<?x16x4x7x4xi32>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$keys, Spotlight_FloatShaped:$values,
                       Spotlight_I32Shaped:$codes,
                       Spotlight_I32Shaped:$slot_mapping,
                       Spotlight_FloatShaped:$key_cache,
                       Spotlight_FloatShaped:$value_cache,
                       Spotlight_I32Shaped:$code_cache);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let hasVerifier = 1;
  let assemblyFormat = [{
    `ins` `(` $keys `,` $values `,` $codes `,` $slot_mapping `:` type($keys)
        `,` type($values) `,` type($codes) `,` type($slot_mapping) `)`
    `outs` `(` $key_cache `,` $value_cache `,` $code_cache `:`
        type($key_cache) `,` type($value_cache) `,` type($code_cache) `)`
    attr-dict
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), 4, 3);
    }
  }];
}

def Spotlight_MaskedAttentionOp : Spotlight_DpsOp<"masked_attention"> {
  let summary = "decode attention over gathered rows, empty slots masked (the unfused form)";
  let description = [{
    Attention over rows a `spotlight.sparse_gather` copied out of the
    caches: `keys` and `values` are `[B, S, M, D]`, `mask` is `[B, S, M]`
    i32 and slot `m` of row `s` takes part iff `mask[b, s, m] >= 0`:

        o[b, qh] = sum over m with mask[b, s, m] >= 0 of
                   softmax_m(scale * q[b, qh] . keys[b, s, m]) * values[b, s, m]

    with `s = qh / (QH / S)`; a row with no valid slot gives 0. `scale`
    defaults to `1/sqrt(D)`, accumulation is in f32 and the output has the
    element type of `q`. The mask is typically the very index tensor the
    rows were gathered with (its -1 slots are the empty ones, which the
    gather zero-filled), so that

        masked_attention(q, sparse_gather(K, idx), sparse_gather(V, idx), idx)
          == sparse_attention(q, K, V, idx)

    exactly, -1 slots included: `--spotlight-fuse-gather-attention` rewrites
    the left side into the right. No lowering reads this op directly; the
    same pass turns what it cannot fuse into a `sparse_attention` over the
    gathered rows.

    ```mlir
    %o = spotlight.masked_attention
        ins(%q, %kg, %vg, %idx : tensor<1x28x128xbf16>, tensor<1x4x88x128xbf16>,
            tensor<1x4x88x128xbf16>, tensor<1x4x88xi32>)
        outs(%init : tensor<1x28x128xbf16>)
    ```
  }];
  let arguments = (ins Spotlight_FloatShaped:$query, Spotlight_FloatShaped:$keys,
                       Spotlight_FloatShaped:$values,
                       Spotlight_I32Shaped:$mask, Spotlight_FloatShaped:$init,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Optional<Spotlight_FloatTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $keys `,` $values `,` $mask `:`
        type($query) `,` type($keys) `,` type($values) `,` type($mask) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict
  }];
}

#endif // SPOTLIGHT_OPS
