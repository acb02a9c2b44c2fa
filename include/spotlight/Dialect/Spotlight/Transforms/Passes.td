//===- Passes.td - Spotlight dialect transforms -------------*- tablegen -*-===//
//
// Transforms that stay inside the spotlight dialect: fusing the unfused
// step a user writes, and turning dense decode attention into the sparse
// step. Lowerings out of the dialect are in spotlight/Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES
#define SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def SpotlightFuseGatherAttention : Pass<"spotlight-fuse-gather-attention"> {
  let summary = "Fuse attention over gathered K/V rows into sparse_attention";
  let description = [{
    Rewrites the unfused sparse step, K and V rows copied out with
    `spotlight.sparse_gather` and attended by `spotlight.masked_attention`
    (masked with the gather's own indices), into `spotlight.sparse_attention`,
    which reads K and V in place. Both forms mean the same, -1 slots
    included (docs/Semantics.md, "The unfused form"):

    ```mlir
    %kg = spotlight.sparse_gather ins(%k, %idx : ...) outs(%e0 : ...)
    %vg = spotlight.sparse_gather ins(%v, %idx : ...) outs(%e1 : ...)
    %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : ...) outs(%init : ...)
    // becomes
    %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : ...) outs(%init : ...)
    ```

    A `masked_attention` that does not match (its rows come from elsewhere,
    or its mask is not the gathers' indices) becomes, with `lower-unfused`,
    a `sparse_attention` over the gathered rows themselves with slot
    indices `mask >= 0 ? m : -1`, so every lowering accepts the module.
    The linalg form a frontend emits (q.K^T contraction, scale, mask,
    `linalg.softmax` or its max/sub-exp/sum/div generics, contraction with
    V; GQA broadcasts as `h floordiv G` maps, repeat_kv generics or
    linalg.broadcast + tensor.collapse_shape; docs/Semantics.md, "The
    linalg form") over
    `sparse_gather` rows is first raised to `masked_attention` when it means
    it exactly: scores masked from the gathers' indices with a finite fill
    of at most -1e30, V gathered with those indices. Otherwise it stays, with
    a remark `spotlight-fuse-gather-attention: not fused: <why>`.

    The pass also applies the simplifications of the step: a
    `sparse_attention` over a `hamming_topk` whose budget statically covers
    every token is a `decode_attention`, and a `sparse_gather` of gathered
    rows is one gather of the cache with composed indices (-1 kept).

    Every pipeline (spotlight-*-to-llvm-pipeline, the GPU ones) runs it
    first.
  }];
  let dependentDialects = ["mlir::spotlight::SpotlightDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
  let options = [
    Option<"lowerUnfused", "lower-unfused", "bool", /*default=*/"true",
           "Turn a masked_attention that cannot be fused into a "
           "sparse_attention over the gathered rows">,
  ];
}

def SpotlightSparsifyAttention : Pass<"spotlight-sparsify-attention",
                                      "mlir::ModuleOp"> {
  let summary = "Rewrite dense decode attention into the Spotlight sparse step";
  let description = [{
    Rewrites each `spotlight.decode_attention` (on tensors, in a
    `func.func`) into the hash-select-attend step:

    ```mlir
    %o = spotlight.decode_attention ins(%q, %k, %v : ...) outs(%init : ...)
    // becomes, with new function arguments %w1, %b1, %w2, %b2 (hash
    // weights) and %kc (the key codes of the cache, [B, KH, N, C, D/32])
    %qc = spotlight.hash_encode ins(%q, %w1, %b1, %w2, %b2 : ...) outs(...)
    %idx = spotlight.hamming_topk group ins(%qc, %kc : ...) outs(...)
        {budget = 64 : i64, sink = 4 : i64, window = 64 : i64}
    %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : ...) outs(%init : ...)
    ```

    With `weights-file=path` (a .safetensors file as spotlight-train
    writes), the weights are `arith.constant dense_resource<...>` instead.
    Key codes are computed when tokens are appended, so the caller must
    pass them: the key-code argument carries the `spotlight.key_codes`
    argument attribute, the weights `spotlight.hash_weight = "w1"` and so
    on, and the module gets the `spotlight.wants_key_codes` unit attribute.

    The dense linalg form a frontend emits for scaled_dot_product_attention
    with one query token (docs/Semantics.md, "The linalg form", no mask) is
    first raised to `decode_attention`. An op that does not match (paged,
    bufferized, nested, private function, a softmax that is not that form)
    is left alone with a remark `spotlight-sparsify-attention: not
    sparsified: <why>`.
  }];
  let dependentDialects = ["mlir::spotlight::SpotlightDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::func::FuncDialect"];
  let options = [
    Option<"budget", "budget", "int64_t", /*default=*/"64",
           "Tokens selected besides sink and window (a count)">,
    Option<"sink", "sink", "int64_t", /*default=*/"4",
           "First tokens always selected">,
    Option<"window", "window", "int64_t", /*default=*/"64",
           "Last tokens always selected">,
    Option<"mode", "mode", "std::string", /*default=*/"\"group\"",
           "Selection mode: group (one set per KV head) or head">,
    Option<"codeHeads", "code-heads", "std::string", /*default=*/"\"query\"",
           "Hash code heads: query (CH = QH, the published setup) or kv">,
    Option<"weights", "weights", "std::string", /*default=*/"\"arguments\"",
           "Where the hash weights come from: arguments (new function "
           "arguments, f32)">,
    Option<"weightsFile", "weights-file", "std::string", /*default=*/"\"\"",
           "A .safetensors (or .npz) file with w1 [CH, D, D], b1 [CH, D], "
           "w2, b2 (f32, f16 or bf16): the weights become dense resource "
           "constants instead of arguments">,
  ];
}

#endif // SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES
