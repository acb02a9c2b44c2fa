//===- HashWeightsFile.h - Hash weights from a file as resources -*- C++
//-*-===//
//
// The hash weights w1 [CH, D, D], b1 [CH, D], w2 [CH, D, D], b2 [CH, D] of a
// .safetensors (or .npz) file, as written by spotlight-train and
// spotlight-testgen, turned into dense resource attributes that
// --spotlight-sparsify-attention materialises as constants instead of
// adding function arguments.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_HASHWEIGHTSFILE_H
#define SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_HASHWEIGHTSFILE_H

#include "spotlight/Support/IO/ArrayFile.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <array>
#include <map>
#include <string>

namespace mlir::spotlight {

/// The tensors of a weights file, read once per pass run.
class HashWeightsFile {
public:
  /// Reads `path`; on failure returns false and sets `error`.
  bool read(const std::string &path, std::string &error);

  /// w1, b1, w2, b2 for `codeHeads` code heads of dimension `headDim`, as
  /// dense resources (one blob per tensor, shared by every use); on a
  /// missing tensor, a wrong shape or type, failure with `error` set.
  FailureOr<std::array<ElementsAttr, 4>> attributes(MLIRContext *context,
                                                    int64_t codeHeads,
                                                    int64_t headDim,
                                                    std::string &error);

private:
  std::string path;
  std::map<std::string, ::spotlight::io::Array> tensors;
  std::map<std::string, ElementsAttr> made;
};

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_HASHWEIGHTSFILE_H
