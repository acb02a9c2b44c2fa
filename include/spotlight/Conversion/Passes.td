//===- Passes.td - Spotlight conversion passes -------------*- tablegen -*-===//

#ifndef SPOTLIGHT_CONVERSION_PASSES
#define SPOTLIGHT_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertSpotlightToLinalg : Pass<"convert-spotlight-to-linalg"> {
  let summary = "Lower spotlight ops to linalg, tensor, scf and memref (the reference)";
  let description = [{
    The executable definition of the Spotlight semantics: every spotlight op
    becomes upstream ops only. Hashing, Hamming scoring and attention become
    `linalg.generic` ops on tensors (gathers are `tensor.extract` in the
    body, so no gathered copy exists); the exact top-k selection (histogram
    threshold, then a compaction that gives ties to the most recent token)
    becomes scalar `scf` loops on memrefs, wrapped by
    `bufferization.to_buffer` / `to_tensor`. The result bufferizes with
    One-Shot Bufferize.

    ```mlir
    // before
    %idx = spotlight.hamming_topk group ins(%qc, %kc : ...) outs(%init : ...)
    // after: linalg.generic (xor + ctpop scores), scf.for (select)
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // SPOTLIGHT_CONVERSION_PASSES
