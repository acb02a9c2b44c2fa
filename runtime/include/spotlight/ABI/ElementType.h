//===- ElementType.h - The element types of the artifact ABI ----*- C++ -*-===//
//
// Part of the artifact ABI (see Geometry.h): dependency-free, shared by the
// compiler and the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_ABI_ELEMENTTYPE_H
#define SPOTLIGHT_ABI_ELEMENTTYPE_H

#include <cstdint>
#include <string>

namespace spotlight {

/// The element types of q, K, V and the hash weights. The values equal the
/// C API's spt_dtype (runtime.h), so a conversion is a cast.
enum class ElementType : int32_t { F32 = 0, F16 = 1, BF16 = 2 };

/// The MLIR spelling of an element type ("f32", "f16", "bf16").
const char *elementTypeName(ElementType type);
/// The inverse of elementTypeName; false for any other name.
bool parseElementType(const std::string &name, ElementType &type);
/// Bytes per element.
int64_t elementTypeBytes(ElementType type);

} // namespace spotlight

#endif // SPOTLIGHT_ABI_ELEMENTTYPE_H
