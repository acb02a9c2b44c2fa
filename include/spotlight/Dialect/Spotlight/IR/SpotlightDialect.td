//===- SpotlightDialect.td - Spotlight dialect definition --*- tablegen -*-===//

#ifndef SPOTLIGHT_DIALECT
#define SPOTLIGHT_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Spotlight_Dialect : Dialect {
  let name = "spotlight";
  let summary = "Hashing-based sparse attention for LLM decoding";
  let description = [{
    The `spotlight` dialect expresses one decode step of Spotlight Attention
    (arXiv 2508.19740): queries and keys are hashed by a small learned MLP
    into `D`-bit codes (`spotlight.hash_encode`), every cached token is scored
    by Hamming similarity and the best few are kept together with the sink
    and recent tokens (`spotlight.hamming_topk`), and attention runs over the
    kept tokens only (`spotlight.sparse_attention`, or
    `spotlight.sparse_gather` followed by a dense attention). The dense
    baseline is `spotlight.decode_attention`.

    Ops are tensor-level and in destination-passing style (`outs`), so
    upstream One-Shot Bufferize applies to everything they lower to.
    Numerics follow `SEMANTICS.md`: every reduction accumulates in `f32`.
  }];
  let cppNamespace = "::mlir::spotlight";
  let useDefaultAttributePrinterParser = 1;
}

def Spotlight_SelectionMode : I32EnumAttr<"SelectionMode",
    "which scores share one selected token set", [
      I32EnumAttrCase<"group", 0>,
      I32EnumAttrCase<"head", 1>
    ]> {
  let cppNamespace = "::mlir::spotlight";
  let genSpecializedAttr = 0;
}

def Spotlight_SelectionModeAttr : EnumAttr<Spotlight_Dialect,
    Spotlight_SelectionMode, "mode"> {
  let assemblyFormat = "$value";
}

class Spotlight_Op<string mnemonic, list<Trait> traits = []>
    : Op<Spotlight_Dialect, mnemonic, traits>;

#endif // SPOTLIGHT_DIALECT
