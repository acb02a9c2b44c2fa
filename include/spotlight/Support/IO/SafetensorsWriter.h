//===- SafetensorsWriter.h - Write .safetensors files -----------*- C++ -*-===//
//
// The writing half of the .safetensors support in ArrayFile.h: tensors of
// the types ArrayFile reads, with an optional string-to-string
// "__metadata__" map. Built without exceptions: failure is reported through
// the return value and an error message.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_SUPPORT_IO_SAFETENSORSWRITER_H
#define SPOTLIGHT_SUPPORT_IO_SAFETENSORSWRITER_H

#include "spotlight/Support/IO/ArrayFile.h"

#include <map>
#include <string>

namespace spotlight::io {

/// Writes `tensors` (name -> array) as a .safetensors file: an 8-byte
/// little-endian header length, a JSON header padded with spaces to a
/// multiple of 8 bytes, then the tensors' bytes back to back in name order.
/// U16 arrays are stored as "U16", BF16 as "BF16". Tensor names must be
/// non-empty valid UTF-8 and not "__metadata__"; metadata must be valid
/// UTF-8. On failure returns false and sets `error`, and an existing `path`
/// is left as it was (the file is written through OutputFile.h).
bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Array> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata = {});

} // namespace spotlight::io

#endif // SPOTLIGHT_SUPPORT_IO_SAFETENSORSWRITER_H
