//===- Tensors.h - Element types and checks of C API tensors ----*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_TENSORS_H
#define SPOTLIGHT_RUNTIME_TENSORS_H

#include "spotlight/ABI/ElementType.h"
#include "spotlight/runtime.h"

#include <cstdint>
#include <vector>

namespace spotlight::runtime {

/// The C API's name of an ABI element type (the same value).
inline spt_dtype toDtype(ElementType type) {
  return static_cast<spt_dtype>(type);
}
const char *dtypeName(spt_dtype type);
int64_t bytesOf(spt_dtype type);

/// Checks a tensor argument: not null, element type `dtype`, shape
/// `expected` (-1 for a free dimension); fails naming `name` and the
/// expected shape.
spt_status checkTensor(const spt_tensor *t, const char *name, spt_dtype dtype,
                       const std::vector<int64_t> &expected);

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_TENSORS_H
