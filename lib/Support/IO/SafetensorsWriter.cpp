//===- SafetensorsWriter.cpp - Write .safetensors files -------------------===//
//
// The format (https://github.com/huggingface/safetensors): u64 header size N,
// N bytes of UTF-8 JSON {"name": {"dtype", "shape", "data_offsets"}, ...,
// "__metadata__": {str: str}}, then the data section. Offsets are relative
// to the data section; we pad the header so the data starts 8-aligned.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/SafetensorsWriter.h"

#include <cstdio>
#include <fstream>

namespace spotlight::io {
namespace {

const char *safetensorsName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  case DType::U16:
    return "U16";
  }
  return "F32";
}

/// A JSON string literal for `text` (escapes quotes, backslashes and
/// control characters; other bytes pass through as UTF-8).
std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

} // namespace

bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Array> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata) {
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto &[key, value] : metadata) {
      if (!first)
        header += ",";
      first = false;
      header += jsonString(key) + ":" + jsonString(value);
    }
    header += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const auto &[name, array] : tensors) {
    if (name.empty() || name == "__metadata__") {
      error = path + ": invalid tensor name '" + name + "'";
      return false;
    }
    uint64_t bytes =
        static_cast<uint64_t>(array.numElements()) * dtypeSize(array.dtype);
    if (array.bytes.size() != bytes) {
      error = path + ": tensor '" + name + "' holds " +
              std::to_string(array.bytes.size()) + " bytes, its shape needs " +
              std::to_string(bytes);
      return false;
    }
    if (!first)
      header += ",";
    first = false;
    header += jsonString(name) + ":{\"dtype\":\"" +
              safetensorsName(array.dtype) + "\",\"shape\":[";
    for (size_t i = 0; i < array.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(array.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  while (header.size() % 8 != 0)
    header += ' ';

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = path + ": cannot open for writing";
    return false;
  }
  unsigned char length[8];
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(n >> (8 * i));
  out.write(reinterpret_cast<const char *>(length), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto &entry : tensors)
    out.write(reinterpret_cast<const char *>(entry.second.bytes.data()),
              static_cast<std::streamsize>(entry.second.bytes.size()));
  out.close();
  if (!out) {
    std::remove(path.c_str());
    error = path + ": write failed";
    return false;
  }
  return true;
}

} // namespace spotlight::io
