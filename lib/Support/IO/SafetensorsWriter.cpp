//===- SafetensorsWriter.cpp - Write .safetensors files -------------------===//
//
// The format (https://github.com/huggingface/safetensors): u64 header size N,
// N bytes of UTF-8 JSON {"name": {"dtype", "shape", "data_offsets"}, ...,
// "__metadata__": {str: str}}, then the data section. Offsets are relative
// to the data section; we pad the header so the data starts 8-aligned.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/SafetensorsWriter.h"
#include "spotlight/Support/IO/OutputFile.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace spotlight::io {
namespace {

bool fail(std::string &error, std::string message) {
  error = std::move(message);
  return false;
}

} // namespace

bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Array> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata) {
  // llvm::json escapes what JSON requires, but would silently replace
  // invalid UTF-8 (and assert in debug builds): refuse it instead.
  for (const auto &[key, value] : metadata)
    if (!llvm::json::isUTF8(key) || !llvm::json::isUTF8(value))
      return fail(error, path + ": metadata is not valid UTF-8");
  for (const auto &[name, array] : tensors) {
    if (name.empty() || name == "__metadata__" || !llvm::json::isUTF8(name))
      return fail(error, path + ": invalid tensor name '" + name + "'");
    uint64_t bytes =
        static_cast<uint64_t>(array.numElements()) * dtypeSize(array.dtype);
    if (array.bytes.size() != bytes)
      return fail(error, path + ": tensor '" + name + "' holds " +
                             std::to_string(array.bytes.size()) +
                             " bytes, its shape needs " +
                             std::to_string(bytes));
  }

  std::string header;
  {
    llvm::raw_string_ostream os(header);
    llvm::json::OStream json(os);
    json.object([&] {
      if (!metadata.empty())
        json.attributeObject("__metadata__", [&] {
          for (const auto &[key, value] : metadata)
            json.attribute(key, value);
        });
      uint64_t offset = 0;
      for (const auto &entry : tensors) {
        const Array &array = entry.second;
        const uint64_t bytes = array.bytes.size();
        json.attributeObject(entry.first, [&] {
          json.attribute("dtype", safetensorsDTypeName(array.dtype));
          json.attributeArray("shape", [&] {
            for (int64_t dim : array.shape)
              json.value(dim);
          });
          json.attributeArray("data_offsets", [&] {
            json.value(offset);
            json.value(offset + bytes);
          });
        });
        offset += bytes;
      }
    });
  }
  while (header.size() % 8 != 0)
    header += ' ';

  return writeFileSafely(
      path,
      [&](llvm::raw_ostream &os) {
        uint64_t n = header.size();
        for (int i = 0; i < 8; ++i)
          os << static_cast<char>(n >> (8 * i));
        os << header;
        for (const auto &entry : tensors)
          os.write(reinterpret_cast<const char *>(entry.second.bytes.data()),
                   entry.second.bytes.size());
      },
      error);
}

} // namespace spotlight::io
