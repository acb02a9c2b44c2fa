//===- ArrayReaderFuzzer.cpp - Fuzz the .npy/.npz/.safetensors readers ----===//
//
// Built once per format (FUZZ_ARRAY_FILE_NAME picks it by extension). Any
// input must give either arrays that are consistent with their shapes or an
// error message; ASan/UBSan catch the rest.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/ArrayFile.h"

#include <cstdlib>
#include <string>

#ifndef FUZZ_ARRAY_FILE_NAME
#error "define FUZZ_ARRAY_FILE_NAME (fuzz.npy, fuzz.npz or fuzz.safetensors)"
#endif

using namespace spotlight::io;

namespace {

/// The readers' promise (ArrayFile.h): bytes match the shape exactly.
void checkArray(const Array &array) {
  if (array.numElements() < 0 ||
      array.bytes.size() !=
          static_cast<size_t>(array.numElements()) * dtypeSize(array.dtype))
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string name = FUZZ_ARRAY_FILE_NAME;
  std::string error;
  bool ok;
  if (name == "fuzz.npy") {
    Array array;
    ok = readNpyFromMemory(data, size, name, array, error);
    if (ok)
      checkArray(array);
  } else {
    std::map<std::string, Array> arrays;
    ok = readTensorArchiveFromMemory(data, size, name, arrays, error);
    if (ok)
      for (const auto &entry : arrays)
        checkArray(entry.second);
  }
  if (!ok && error.empty())
    std::abort(); // Every failure says why.
  return 0;
}
