//===- ArrayFile.h - Read and write .npy/.npz/.safetensors ------*- C++ -*-===//
//
// A small reader/writer for the array file formats that model weights and
// test vectors come in (its header needs only the standard library; the
// implementation uses LLVMSupport and zlib). It is built without exceptions,
// so every entry point reports failure through its return value and an error
// message; a malformed or truncated file yields an error, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_SUPPORT_IO_ARRAYFILE_H
#define SPOTLIGHT_SUPPORT_IO_ARRAYFILE_H

#include "spotlight/ABI/ElementType.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spotlight::io {

/// Element types we can hold. .npy has no bf16, so bf16 data read from .npy
/// comes back as U16 and the caller reinterprets it.
enum class DType { F32, F16, BF16, I32, I64, U16 };

/// The array type of elements of `type`: the first three DTypes have the
/// values of the ABI's ElementType (and of the C API's spt_dtype).
inline DType dtypeOf(ElementType type) { return static_cast<DType>(type); }

/// Size of one element in bytes.
size_t dtypeSize(DType dtype);

/// Short lowercase name ("f32", "bf16", ...) for messages.
const char *dtypeName(DType dtype);

/// The .safetensors spelling ("F32", "BF16", ...).
const char *safetensorsDTypeName(DType dtype);

/// A dense array: C (row-major) order, little-endian element bytes.
struct Array {
  DType dtype = DType::F32;
  /// An empty shape is a scalar (one element).
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;

  /// Product of the dimensions; the readers guarantee it does not overflow
  /// and that bytes.size() == numElements() * dtypeSize(dtype).
  int64_t numElements() const;
};

/// Reads a .npy file (format versions 1.0, 2.0 and 3.0). Supported descrs are
/// '<f4', '<f2', '<u2', '<i4' and '<i8' ('|' is accepted for the byte order).
/// On failure returns false, sets `error` and leaves `out` unchanged.
bool readNpy(const std::string &path, Array &out, std::string &error);

/// Writes `array` as a version 1.0 .npy file (2.0 only if the header would
/// not fit). BF16 and U16 are both stored as '<u2'. The file is replaced only
/// once completely written (see OutputFile.h): on failure an existing `path`
/// is left as it was.
bool writeNpy(const std::string &path, const Array &array, std::string &error);

/// Reads every tensor of a .safetensors file or a .npz archive (chosen by
/// extension) into name -> Array, replacing the contents of `out`. For .npz,
/// member "w1.npy" becomes key "w1". On failure returns false, sets `error`
/// and leaves `out` unchanged.
bool readTensorArchive(const std::string &path,
                       std::map<std::string, Array> &out, std::string &error);

/// The same readers over a file image already in memory (the fuzzers read
/// their inputs this way). `name` stands for the path in messages and, for
/// readTensorArchiveFromMemory, chooses the format by its extension.
bool readNpyFromMemory(const void *data, size_t size, const std::string &name,
                       Array &out, std::string &error);
bool readTensorArchiveFromMemory(const void *data, size_t size,
                                 const std::string &name,
                                 std::map<std::string, Array> &out,
                                 std::string &error);

} // namespace spotlight::io

#endif // SPOTLIGHT_SUPPORT_IO_ARRAYFILE_H
