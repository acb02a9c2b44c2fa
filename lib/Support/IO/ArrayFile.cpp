//===- ArrayFile.cpp - Read and write .npy/.npz/.safetensors --------------===//
//
// Everything here treats file contents as untrusted: every length and offset
// read from a file is checked against the file size before it is used, and
// no buffer is sized from a header field alone.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/ArrayFile.h"
#include "spotlight/Support/IO/OutputFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

namespace spotlight::io {

static_assert(int(DType::F32) == int(ElementType::F32) &&
                  int(DType::F16) == int(ElementType::F16) &&
                  int(DType::BF16) == int(ElementType::BF16),
              "dtypeOf(ElementType) is a cast");

namespace {

/// Every element type and its spellings, in one place. U16 comes before BF16
/// so that reading '<u2' from .npy gives U16 (.npy has no bf16).
struct DTypeInfo {
  DType dtype;
  size_t size;
  const char *name;        // Messages.
  const char *npyCode;     // .npy descr without the byte order.
  const char *safetensors; // .safetensors "dtype".
};

const DTypeInfo kDTypes[] = {
    {DType::F32, 4, "f32", "f4", "F32"}, {DType::F16, 2, "f16", "f2", "F16"},
    {DType::U16, 2, "u16", "u2", "U16"}, {DType::BF16, 2, "bf16", "u2", "BF16"},
    {DType::I32, 4, "i32", "i4", "I32"}, {DType::I64, 8, "i64", "i8", "I64"},
};

const DTypeInfo &infoOf(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info;
  return kDTypes[0];
}

} // namespace

size_t dtypeSize(DType dtype) { return infoOf(dtype).size; }

const char *dtypeName(DType dtype) { return infoOf(dtype).name; }

const char *safetensorsDTypeName(DType dtype) {
  return infoOf(dtype).safetensors;
}

int64_t Array::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

namespace {

bool fail(std::string &error, std::string message) {
  error = std::move(message);
  return false;
}

uint16_t loadLE16(const unsigned char *p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t loadLE32(const unsigned char *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t loadLE64(const unsigned char *p) {
  return static_cast<uint64_t>(loadLE32(p)) |
         (static_cast<uint64_t>(loadLE32(p + 4)) << 32);
}

/// Computes the byte size of an array, rejecting negative dimensions and
/// overflow so that later size comparisons are meaningful.
bool byteCount(const std::vector<int64_t> &shape, DType dtype, uint64_t &bytes,
               std::string &error) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return fail(error, "negative dimension " + std::to_string(dim));
    if (dim != 0 && count > max / dim)
      return fail(error, "array size overflows");
    count *= dim;
  }
  int64_t size = static_cast<int64_t>(dtypeSize(dtype));
  if (count > max / size)
    return fail(error, "array size overflows");
  bytes = static_cast<uint64_t>(count * size);
  return true;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

//===----------------------------------------------------------------------===//
// Bounds-checked file access
//===----------------------------------------------------------------------===//

/// A read-only file whose reads are checked against its size, so that a
/// lying header produces an error instead of a short read or a huge buffer.
/// It reads a file, or a caller's image of one in memory.
class InputFile {
public:
  void openMemory(const void *data, size_t size, const std::string &name) {
    path = name;
    memory = static_cast<const unsigned char *>(data);
    fileSize = size;
  }

  bool open(const std::string &path, std::string &error) {
    this->path = path;
    std::error_code ec;
    std::filesystem::file_status st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st))
      return fail(error, "cannot open '" + path + "': no such file");
    // Directories open fine as streams but report nonsense sizes.
    if (!std::filesystem::is_regular_file(st))
      return fail(error, "cannot open '" + path + "': not a regular file");
    stream.open(path, std::ios::binary);
    if (!stream)
      return fail(error, "cannot open '" + path + "'");
    stream.seekg(0, std::ios::end);
    std::streamoff end = stream.tellg();
    if (!stream || end < 0)
      return fail(error, "cannot determine the size of '" + path + "'");
    fileSize = static_cast<uint64_t>(end);
    return true;
  }

  uint64_t size() const { return fileSize; }

  bool read(uint64_t offset, uint64_t count, void *dst, std::string &error) {
    if (offset > fileSize || count > fileSize - offset)
      return fail(error, path + ": unexpected end of file");
    if (count == 0)
      return true;
    if (memory) {
      std::memcpy(dst, memory + offset, count);
      return true;
    }
    stream.clear();
    stream.seekg(static_cast<std::streamoff>(offset));
    stream.read(static_cast<char *>(dst), static_cast<std::streamsize>(count));
    if (!stream || static_cast<uint64_t>(stream.gcount()) != count)
      return fail(error, path + ": read error");
    return true;
  }

  bool read(uint64_t offset, uint64_t count, std::vector<unsigned char> &dst,
            std::string &error) {
    if (offset > fileSize || count > fileSize - offset)
      return fail(error, path + ": unexpected end of file");
    dst.resize(count);
    return read(offset, count, dst.data(), error);
  }

private:
  std::string path;
  std::ifstream stream;
  const unsigned char *memory = nullptr;
  uint64_t fileSize = 0;
};

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

const char kNpyMagic[] = "\x93NUMPY";
const size_t kNpyMagicLen = 6;

/// Parses the Python dict literal of a .npy header, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class NpyHeaderParser {
public:
  explicit NpyHeaderParser(const std::string &text) : text(text) {}

  bool parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape, std::string &error) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return bad("expected '{'", error);
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key, error))
        return false;
      skipSpace();
      if (!consume(':'))
        return bad("expected ':' after key '" + key + "'", error);
      skipSpace();
      if (key == "descr") {
        if (haveDescr)
          return bad("duplicate key 'descr'", error);
        if (peek() == '[')
          return fail(error, "structured (record) dtypes are not supported");
        if (!parseString(descr, error))
          return false;
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (haveFortran)
          return bad("duplicate key 'fortran_order'", error);
        if (consumeWord("True"))
          fortranOrder = true;
        else if (consumeWord("False"))
          fortranOrder = false;
        else
          return bad("expected True or False for 'fortran_order'", error);
        haveFortran = true;
      } else if (key == "shape") {
        if (haveShape)
          return bad("duplicate key 'shape'", error);
        if (!parseShape(shape, error))
          return false;
        haveShape = true;
      } else {
        return bad("unexpected key '" + key + "'", error);
      }
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return bad("expected ',' or '}'", error);
    }
    // numpy pads the header with spaces and a final newline.
    skipSpace();
    if (pos != text.size())
      return bad("unexpected text after '}'", error);
    if (!haveDescr || !haveFortran || !haveShape)
      return bad("missing 'descr', 'fortran_order' or 'shape'", error);
    return true;
  }

private:
  bool bad(const std::string &what, std::string &error) {
    std::string excerpt = text.substr(0, 120);
    for (char &c : excerpt)
      if (!std::isprint(static_cast<unsigned char>(c)))
        c = ' ';
    return fail(error, "malformed .npy header (" + what + "): " + excerpt);
  }

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }

  void skipSpace() {
    while (pos < text.size() &&
           std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }

  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }

  bool consumeWord(const char *word) {
    size_t len = std::strlen(word);
    if (text.compare(pos, len, word) != 0)
      return false;
    pos += len;
    return true;
  }

  bool parseString(std::string &value, std::string &error) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return bad("expected a string", error);
    size_t end = text.find(quote, pos + 1);
    if (end == std::string::npos)
      return bad("unterminated string", error);
    value = text.substr(pos + 1, end - pos - 1);
    if (value.find('\\') != std::string::npos)
      return bad("escapes in strings are not supported", error);
    pos = end + 1;
    return true;
  }

  bool parseInt(int64_t &value, std::string &error) {
    bool negative = consume('-');
    if (!std::isdigit(static_cast<unsigned char>(peek())))
      return bad("expected an integer", error);
    int64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      int digit = text[pos++] - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
        return bad("integer too large", error);
      v = v * 10 + digit;
    }
    consume('L'); // Python 2 long literals in old files.
    value = negative ? -v : v;
    return true;
  }

  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    shape.clear();
    if (!consume('('))
      return bad("expected a tuple for 'shape'", error);
    skipSpace();
    if (consume(')'))
      return true;
    for (;;) {
      int64_t dim = 0;
      if (!parseInt(dim, error))
        return false;
      shape.push_back(dim);
      skipSpace();
      if (consume(',')) {
        skipSpace();
        if (consume(')'))
          return true;
        continue;
      }
      if (consume(')'))
        return true;
      return bad("expected ',' or ')' in 'shape'", error);
    }
  }

  const std::string &text;
  size_t pos = 0;
};

bool dtypeFromDescr(const std::string &descr, DType &dtype,
                    std::string &error) {
  if (!descr.empty() && descr[0] == '>')
    return fail(error, "big-endian arrays (descr '" + descr +
                           "') are not supported; save a little-endian copy, "
                           "e.g. a.astype(a.dtype.newbyteorder('<'))");
  if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '|')) {
    for (const DTypeInfo &info : kDTypes) {
      if (descr.compare(1, 2, info.npyCode) == 0) {
        dtype = info.dtype;
        return true;
      }
    }
  }
  return fail(error, "unsupported dtype descr '" + descr +
                         "' (supported: <f4, <f2, <u2, <i4, <i8)");
}

/// Parses a whole .npy image. The element bytes are moved out of `image`
/// rather than copied, so a large array is never held twice.
bool parseNpy(std::vector<unsigned char> &&image, const std::string &what,
              Array &out, std::string &error) {
  auto bad = [&](const std::string &message) {
    return fail(error, what + ": " + message);
  };
  if (image.size() < kNpyMagicLen ||
      std::memcmp(image.data(), kNpyMagic, kNpyMagicLen) != 0)
    return bad("not a .npy file (bad magic)");
  if (image.size() < kNpyMagicLen + 2)
    return bad("truncated .npy header");
  unsigned major = image[6], minor = image[7];
  size_t lengthBytes;
  if (major == 1 && minor == 0)
    lengthBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthBytes = 4;
  else
    return bad("unsupported .npy version " + std::to_string(major) + "." +
               std::to_string(minor));
  size_t prefix = kNpyMagicLen + 2 + lengthBytes;
  if (image.size() < prefix)
    return bad("truncated .npy header");
  uint64_t headerLen = lengthBytes == 2 ? loadLE16(image.data() + 8)
                                        : loadLE32(image.data() + 8);
  if (headerLen > image.size() - prefix)
    return bad("truncated .npy header");

  std::string header(reinterpret_cast<const char *>(image.data()) + prefix,
                     headerLen);
  std::string descr, message;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  if (!NpyHeaderParser(header).parse(descr, fortranOrder, shape, message))
    return bad(message);
  if (fortranOrder)
    return bad("Fortran-ordered arrays are not supported; save "
               "np.ascontiguousarray(a) instead");
  DType dtype = DType::F32;
  if (!dtypeFromDescr(descr, dtype, message))
    return bad(message);
  uint64_t bytes = 0;
  if (!byteCount(shape, dtype, bytes, message))
    return bad(message + " for shape " + shapeString(shape));

  uint64_t dataOffset = prefix + headerLen;
  uint64_t available = image.size() - dataOffset;
  if (available != bytes)
    return bad("shape " + shapeString(shape) + " of " + dtypeName(dtype) +
               " needs " + std::to_string(bytes) + " data bytes, file has " +
               std::to_string(available) +
               (available < bytes ? " (truncated)" : ""));

  image.erase(image.begin(), image.begin() + dataOffset);
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes = std::move(image);
  return true;
}

//===----------------------------------------------------------------------===//
// JSON (safetensors headers), parsed by llvm::json
//===----------------------------------------------------------------------===//

/// A safetensors header nests three levels; llvm::json::parse recurses once
/// per level, so deeper input is refused before it can exhaust the stack.
const unsigned kMaxJsonDepth = 64;

/// Value of the four hex digits at text[pos], if there are four.
bool hex4(llvm::StringRef text, size_t pos, unsigned &value) {
  if (pos + 4 > text.size())
    return false;
  value = 0;
  for (char c : text.substr(pos, 4)) {
    if (!llvm::isHexDigit(c))
      return false;
    value = value * 16 + llvm::hexDigitValue(c);
  }
  return true;
}

/// One pass over the text before llvm::json::parse sees it, for what that
/// parser tolerates: it bounds the nesting depth, rejects unpaired UTF-16
/// surrogates (llvm::json turns them into U+FFFD) and counts the object
/// members, so that a duplicate key (llvm::json keeps the last) shows as a
/// parsed value with fewer members. Syntax errors are left to the parser.
bool scanJson(llvm::StringRef text, uint64_t &members, std::string &error) {
  unsigned depth = 0;
  members = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        return fail(error, "nesting deeper than " +
                               std::to_string(kMaxJsonDepth) + " at offset " +
                               std::to_string(pos));
    } else if (c == ']' || c == '}') {
      depth -= depth > 0;
    } else if (c == ':') {
      ++members; // Outside strings, each ':' of valid JSON is one member.
    } else if (c == '"') {
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] != '\\' || ++pos == text.size() || text[pos] != 'u')
          continue;
        unsigned unit = 0, low = 0;
        if (!hex4(text, pos + 1, unit))
          continue;
        pos += 4;
        if (unit >= 0xDC00 && unit <= 0xDFFF)
          return fail(error, "unpaired surrogate at offset " +
                                 std::to_string(pos - 5));
        if (unit < 0xD800 || unit > 0xDBFF)
          continue;
        if (!text.substr(pos + 1).starts_with("\\u") ||
            !hex4(text, pos + 3, low) || low < 0xDC00 || low > 0xDFFF)
          return fail(error, "unpaired surrogate at offset " +
                                 std::to_string(pos - 5));
        pos += 6;
      }
    }
  }
  return true;
}

/// Members of every object in `value`: scanJson's count for a header without
/// duplicate keys.
uint64_t countMembers(const llvm::json::Value &value) {
  uint64_t count = 0;
  if (const llvm::json::Object *object = value.getAsObject()) {
    count += object->size();
    for (const auto &member : *object)
      count += countMembers(member.second);
  } else if (const llvm::json::Array *array = value.getAsArray()) {
    for (const llvm::json::Value &item : *array)
      count += countMembers(item);
  }
  return count;
}

/// A non-negative JSON integer (not a float such as 3.0, not above 2^64-1).
bool jsonToUInt(const llvm::json::Value &value, uint64_t &out) {
  std::optional<uint64_t> v = value.getAsUINT64();
  if (!v)
    return false;
  out = *v;
  return true;
}

//===----------------------------------------------------------------------===//
// .safetensors
//===----------------------------------------------------------------------===//

/// The reference implementation refuses headers above 100 MB; so do we,
/// which also bounds the memory a corrupt length can make us allocate.
const uint64_t kMaxSafetensorsHeader = 100ull << 20;

bool dtypeFromSafetensors(llvm::StringRef name, DType &dtype) {
  for (const DTypeInfo &info : kDTypes) {
    if (name == info.safetensors) {
      dtype = info.dtype;
      return true;
    }
  }
  return false;
}

bool readSafetensors(InputFile &file, const std::string &path,
                     std::map<std::string, Array> &result, std::string &error) {
  auto bad = [&](const std::string &message) {
    return fail(error, path + ": " + message);
  };
  if (file.size() < 8)
    return bad("too small to be a .safetensors file");
  unsigned char lengthBytes[8];
  if (!file.read(0, 8, lengthBytes, error))
    return false;
  uint64_t headerLen = loadLE64(lengthBytes);
  if (headerLen > file.size() - 8)
    return bad("header length " + std::to_string(headerLen) +
               " exceeds the file size");
  if (headerLen > kMaxSafetensorsHeader)
    return bad("header length " + std::to_string(headerLen) + " is too large");
  std::string header(headerLen, '\0');
  if (!file.read(8, headerLen, header.data(), error))
    return false;

  uint64_t members = 0;
  std::string message;
  if (!scanJson(header, members, message))
    return bad("bad header: " + message);
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(header);
  if (!parsed)
    return bad("bad header: malformed JSON: " +
               llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return bad("bad header: expected a JSON object");
  if (countMembers(*parsed) != members)
    return bad("bad header: duplicate key");

  // Sorted, so that of several bad tensors the same one is always reported.
  std::vector<std::string> names;
  for (const auto &member : *root)
    names.push_back(member.first.str());
  std::sort(names.begin(), names.end());

  const uint64_t dataStart = 8 + headerLen;
  const uint64_t dataLen = file.size() - dataStart;
  for (const std::string &name : names) {
    if (name == "__metadata__")
      continue;
    auto badTensor = [&](const std::string &message) {
      return bad("tensor '" + name + "': " + message);
    };
    const llvm::json::Object *info = root->getObject(name);
    if (!info)
      return badTensor("expected an object");

    std::optional<llvm::StringRef> dtypeText = info->getString("dtype");
    if (!dtypeText)
      return badTensor("missing string 'dtype'");
    Array array;
    if (!dtypeFromSafetensors(*dtypeText, array.dtype))
      return badTensor("unsupported dtype '" + dtypeText->str() +
                       "' (supported: F32, F16, BF16, I32, I64, U16)");

    const llvm::json::Array *shapeValue = info->getArray("shape");
    if (!shapeValue)
      return badTensor("missing array 'shape'");
    for (const llvm::json::Value &dim : *shapeValue) {
      uint64_t d = 0;
      if (!jsonToUInt(dim, d) ||
          d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return badTensor("shape entries must be non-negative integers");
      array.shape.push_back(static_cast<int64_t>(d));
    }
    uint64_t bytes = 0;
    if (!byteCount(array.shape, array.dtype, bytes, message))
      return badTensor(message);

    const llvm::json::Array *offsets = info->getArray("data_offsets");
    uint64_t begin = 0, end = 0;
    if (!offsets || offsets->size() != 2 || !jsonToUInt((*offsets)[0], begin) ||
        !jsonToUInt((*offsets)[1], end))
      return badTensor("'data_offsets' must be [begin, end]");
    if (begin > end || end > dataLen)
      return badTensor("data_offsets [" + std::to_string(begin) + ", " +
                       std::to_string(end) + "] outside the " +
                       std::to_string(dataLen) + "-byte data section");
    if (end - begin != bytes)
      return badTensor("data_offsets span " + std::to_string(end - begin) +
                       " bytes but shape " + shapeString(array.shape) + " of " +
                       dtypeName(array.dtype) + " needs " +
                       std::to_string(bytes));
    if (!file.read(dataStart + begin, bytes, array.bytes, error))
      return false;
    result[name] = std::move(array);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// .npz (ZIP)
//===----------------------------------------------------------------------===//

uint32_t crc32Of(const unsigned char *data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(size, UINT_MAX));
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

/// Inflates a raw DEFLATE stream. The output grows with what the stream
/// actually produces, so a lying size field cannot force a huge allocation.
bool inflateRaw(const std::vector<unsigned char> &in, uint64_t expectedSize,
                std::vector<unsigned char> &out, std::string &error) {
  // DEFLATE cannot expand data by more than about 1032:1.
  if (expectedSize / 1032 > in.size() + 1)
    return fail(error, "declared uncompressed size " +
                           std::to_string(expectedSize) + " is implausible");
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
    return fail(error, "cannot initialize zlib");
  // One byte more than declared lets us detect a stream that is too long.
  const uint64_t capacity = expectedSize + 1;
  out.assign(static_cast<size_t>(std::min<uint64_t>(
                 capacity, std::max<uint64_t>(4 * in.size(), 1 << 16))),
             0);
  size_t inPos = 0, produced = 0;
  std::string message;
  for (;;) {
    if (zs.avail_in == 0 && inPos < in.size()) {
      size_t chunk = std::min<size_t>(in.size() - inPos, UINT_MAX);
      zs.next_in = const_cast<unsigned char *>(in.data() + inPos);
      zs.avail_in = static_cast<uInt>(chunk);
      inPos += chunk;
    }
    if (produced == out.size()) {
      if (out.size() >= capacity) {
        message = "decompressed data is larger than declared";
        break;
      }
      out.resize(static_cast<size_t>(
          std::min<uint64_t>(capacity, 2 * static_cast<uint64_t>(out.size()))));
    }
    size_t room = std::min<size_t>(out.size() - produced, UINT_MAX);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(room);
    int ret = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (ret == Z_STREAM_END)
      break;
    if (ret == Z_BUF_ERROR && zs.avail_in == 0 && inPos == in.size()) {
      message = "truncated DEFLATE stream";
      break;
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR) {
      message = std::string("corrupt DEFLATE stream") +
                (zs.msg ? std::string(": ") + zs.msg : std::string());
      break;
    }
  }
  inflateEnd(&zs);
  if (!message.empty())
    return fail(error, message);
  if (produced != expectedSize)
    return fail(error, "decompressed " + std::to_string(produced) +
                           " bytes, expected " + std::to_string(expectedSize));
  out.resize(produced);
  return true;
}

struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressedSize = 0;
  uint64_t uncompressedSize = 0;
  uint64_t localHeaderOffset = 0;
};

const uint32_t kZipLocalSig = 0x04034b50;
const uint32_t kZipCentralSig = 0x02014b50;
const uint32_t kZipEndSig = 0x06054b50;
const uint32_t kZip64EndSig = 0x06064b50;
const uint32_t kZip64LocatorSig = 0x07064b50;

/// Reads the central directory, which (unlike local headers) always holds
/// the real sizes, also when the writer streamed with data descriptors.
bool readZipDirectory(InputFile &file, std::vector<ZipEntry> &entries,
                      uint64_t &directoryStart, std::string &error) {
  const uint64_t size = file.size();
  const uint64_t kEndLen = 22;
  if (size < kEndLen)
    return fail(error, "not a ZIP archive (too small)");
  uint64_t tailLen = std::min<uint64_t>(size, kEndLen + 0xFFFF);
  std::vector<unsigned char> tail;
  if (!file.read(size - tailLen, tailLen, tail, error))
    return false;
  // The end record is followed by a variable-length comment; search back.
  uint64_t endPos = 0;
  bool found = false;
  for (uint64_t p = tailLen - kEndLen + 1; p-- > 0;) {
    if (loadLE32(&tail[p]) == kZipEndSig &&
        p + kEndLen + loadLE16(&tail[p + 20]) <= tailLen) {
      endPos = size - tailLen + p;
      found = true;
      break;
    }
  }
  if (!found)
    return fail(error, "not a ZIP archive (no end of central directory)");
  const unsigned char *end = &tail[endPos - (size - tailLen)];
  uint32_t disk = loadLE16(end + 4), directoryDisk = loadLE16(end + 6);
  uint64_t count = loadLE16(end + 10);
  uint64_t directorySize = loadLE32(end + 12);
  uint64_t directoryOffset = loadLE32(end + 16);
  uint64_t directoryLimit = endPos;

  // ZIP64: a locator right before the end record points at the real values.
  unsigned char locator[20];
  if (endPos >= 20 && file.read(endPos - 20, 20, locator, error) &&
      loadLE32(locator) == kZip64LocatorSig) {
    uint64_t end64Pos = loadLE64(locator + 8);
    unsigned char end64[56];
    if (end64Pos > endPos - 20 || endPos - 20 - end64Pos < 56 ||
        !file.read(end64Pos, 56, end64, error) ||
        loadLE32(end64) != kZip64EndSig)
      return fail(error, "corrupt ZIP64 end of central directory");
    disk = loadLE32(end64 + 16);
    directoryDisk = loadLE32(end64 + 20);
    count = loadLE64(end64 + 32);
    directorySize = loadLE64(end64 + 40);
    directoryOffset = loadLE64(end64 + 48);
    directoryLimit = end64Pos;
  } else if (count == 0xFFFF || directorySize == 0xFFFFFFFF ||
             directoryOffset == 0xFFFFFFFF) {
    return fail(error, "ZIP64 archive without a ZIP64 end record");
  }
  if (disk != 0 || directoryDisk != 0)
    return fail(error, "multi-disk ZIP archives are not supported");
  if (directoryOffset > directoryLimit ||
      directorySize > directoryLimit - directoryOffset)
    return fail(error, "central directory lies outside the file");
  const uint64_t kCentralLen = 46;
  if (count > directorySize / kCentralLen)
    return fail(error, "central directory is too small for " +
                           std::to_string(count) + " entries");

  std::vector<unsigned char> dir;
  if (!file.read(directoryOffset, directorySize, dir, error))
    return false;
  entries.clear();
  uint64_t pos = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (directorySize - pos < kCentralLen ||
        loadLE32(&dir[pos]) != kZipCentralSig)
      return fail(error,
                  "corrupt central directory entry " + std::to_string(i));
    const unsigned char *h = &dir[pos];
    ZipEntry entry;
    entry.flags = loadLE16(h + 8);
    entry.method = loadLE16(h + 10);
    entry.crc = loadLE32(h + 16);
    entry.compressedSize = loadLE32(h + 20);
    entry.uncompressedSize = loadLE32(h + 24);
    uint64_t nameLen = loadLE16(h + 28), extraLen = loadLE16(h + 30),
             commentLen = loadLE16(h + 32);
    uint32_t startDisk = loadLE16(h + 34);
    entry.localHeaderOffset = loadLE32(h + 42);
    if (directorySize - pos - kCentralLen < nameLen + extraLen + commentLen)
      return fail(error,
                  "corrupt central directory entry " + std::to_string(i));
    entry.name.assign(reinterpret_cast<const char *>(h + kCentralLen), nameLen);

    // The ZIP64 extra field holds, in this order, exactly those of the
    // sizes/offset/disk whose 32-bit (16-bit) fields are saturated.
    const unsigned char *extra = h + kCentralLen + nameLen;
    for (uint64_t e = 0; e + 4 <= extraLen;) {
      uint16_t id = loadLE16(extra + e), len = loadLE16(extra + e + 2);
      if (len > extraLen - e - 4)
        break; // Trailing padding some writers leave; nothing more to find.
      if (id == 0x0001) {
        const unsigned char *field = extra + e + 4;
        uint64_t left = len;
        auto take = [&](uint64_t &value) {
          if (left < 8)
            return false;
          value = loadLE64(field);
          field += 8;
          left -= 8;
          return true;
        };
        if ((entry.uncompressedSize == 0xFFFFFFFF &&
             !take(entry.uncompressedSize)) ||
            (entry.compressedSize == 0xFFFFFFFF &&
             !take(entry.compressedSize)) ||
            (entry.localHeaderOffset == 0xFFFFFFFF &&
             !take(entry.localHeaderOffset)))
          return fail(error,
                      "truncated ZIP64 extra field for '" + entry.name + "'");
        if (startDisk == 0xFFFF && left >= 4)
          startDisk = loadLE32(field);
      }
      e += 4 + len;
    }
    if (startDisk != 0)
      return fail(error, "multi-disk ZIP archives are not supported");
    entries.push_back(std::move(entry));
    pos += kCentralLen + nameLen + extraLen + commentLen;
  }
  directoryStart = directoryOffset;
  return true;
}

/// Reads and, if needed, decompresses one member, then checks its CRC.
bool readZipMember(InputFile &file, const ZipEntry &entry,
                   uint64_t directoryStart, std::vector<unsigned char> &data,
                   std::string &error) {
  if (entry.flags & 1)
    return fail(error, "encrypted members are not supported");
  if (entry.method != 0 && entry.method != 8)
    return fail(error, "unsupported compression method " +
                           std::to_string(entry.method));
  const uint64_t kLocalLen = 30;
  unsigned char local[kLocalLen];
  if (entry.localHeaderOffset > directoryStart ||
      directoryStart - entry.localHeaderOffset < kLocalLen ||
      !file.read(entry.localHeaderOffset, kLocalLen, local, error) ||
      loadLE32(local) != kZipLocalSig)
    return fail(error, "bad local header offset");
  // Local name/extra lengths may differ from the central ones (numpy's
  // writer puts a ZIP64 extra only in the local header).
  uint64_t dataOffset = entry.localHeaderOffset + kLocalLen +
                        loadLE16(local + 26) + loadLE16(local + 28);
  if (dataOffset > directoryStart ||
      entry.compressedSize > directoryStart - dataOffset)
    return fail(error, "member data extends past the central directory");

  if (entry.method == 0) {
    if (entry.compressedSize != entry.uncompressedSize)
      return fail(error, "stored member with mismatched sizes");
    if (!file.read(dataOffset, entry.compressedSize, data, error))
      return false;
  } else {
    std::vector<unsigned char> compressed;
    if (!file.read(dataOffset, entry.compressedSize, compressed, error))
      return false;
    if (!inflateRaw(compressed, entry.uncompressedSize, data, error))
      return false;
  }
  if (crc32Of(data.data(), data.size()) != entry.crc)
    return fail(error, "CRC mismatch");
  return true;
}

bool readNpz(InputFile &file, const std::string &path,
             std::map<std::string, Array> &result, std::string &error) {
  std::vector<ZipEntry> entries;
  uint64_t directoryStart = 0;
  std::string message;
  if (!readZipDirectory(file, entries, directoryStart, message))
    return fail(error, path + ": " + message);
  const std::string suffix = ".npy";
  for (const ZipEntry &entry : entries) {
    const std::string what = path + ":" + entry.name;
    if (!entry.name.empty() && entry.name.back() == '/')
      continue; // Directory entry.
    if (entry.name.size() < suffix.size() ||
        entry.name.compare(entry.name.size() - suffix.size(), suffix.size(),
                           suffix) != 0)
      return fail(error, what + ": member is not a .npy file");
    std::string key = entry.name.substr(0, entry.name.size() - suffix.size());
    if (result.count(key))
      return fail(error, what + ": duplicate member");
    std::vector<unsigned char> data;
    if (!readZipMember(file, entry, directoryStart, data, message))
      return fail(error, what + ": " + message);
    Array array;
    if (!parseNpy(std::move(data), what, array, error))
      return false;
    result[key] = std::move(array);
  }
  return true;
}

bool hasSuffix(const std::string &s, const std::string &suffix) {
  if (s.size() < suffix.size())
    return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(
            s[s.size() - suffix.size() + i])) != suffix[i])
      return false;
  return true;
}

bool readNpyImage(InputFile &file, const std::string &path, Array &out,
                  std::string &error) {
  std::vector<unsigned char> image;
  if (!file.read(0, file.size(), image, error))
    return false;
  Array array;
  if (!parseNpy(std::move(image), path, array, error))
    return false;
  out = std::move(array);
  return true;
}

enum class ArchiveKind { Safetensors, Npz };

/// The archive format by the file name's extension.
bool archiveKindOf(const std::string &path, ArchiveKind &kind,
                   std::string &error) {
  if (hasSuffix(path, ".safetensors"))
    kind = ArchiveKind::Safetensors;
  else if (hasSuffix(path, ".npz"))
    kind = ArchiveKind::Npz;
  else
    return fail(error, "'" + path +
                           "': unknown archive type (expected .safetensors "
                           "or .npz)");
  return true;
}

bool readArchive(InputFile &file, ArchiveKind kind, const std::string &path,
                 std::map<std::string, Array> &out, std::string &error) {
  std::map<std::string, Array> result;
  if (!(kind == ArchiveKind::Safetensors
            ? readSafetensors(file, path, result, error)
            : readNpz(file, path, result, error)))
    return false;
  out = std::move(result);
  return true;
}

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

bool readNpy(const std::string &path, Array &out, std::string &error) {
  InputFile file;
  if (!file.open(path, error))
    return false;
  return readNpyImage(file, path, out, error);
}

bool readNpyFromMemory(const void *data, size_t size, const std::string &name,
                       Array &out, std::string &error) {
  InputFile file;
  file.openMemory(data, size, name);
  return readNpyImage(file, name, out, error);
}

bool writeNpy(const std::string &path, const Array &array, std::string &error) {
  uint64_t bytes = 0;
  std::string message;
  if (!byteCount(array.shape, array.dtype, bytes, message))
    return fail(error, path + ": " + message);
  if (bytes != array.bytes.size())
    return fail(error, path + ": shape " + shapeString(array.shape) + " of " +
                           dtypeName(array.dtype) + " needs " +
                           std::to_string(bytes) + " bytes, array has " +
                           std::to_string(array.bytes.size()));

  // Same text numpy writes, so tools that sniff headers are happy.
  std::string header = std::string("{'descr': '<") +
                       infoOf(array.dtype).npyCode +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    header += (i ? ", " : "") + std::to_string(array.shape[i]);
  if (array.shape.size() == 1)
    header += ",";
  header += "), }";

  // Pad with spaces so the data starts 64-byte aligned, as numpy does.
  size_t lengthBytes = 2;
  size_t prefix = kNpyMagicLen + 2 + lengthBytes;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xFFFF) {
    lengthBytes = 4; // Version 2.0 only when 1.0 cannot hold the header.
    prefix = kNpyMagicLen + 2 + lengthBytes;
    total = (prefix + header.size() + 1 + 63) / 64 * 64;
  }
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  std::string head(kNpyMagic, kNpyMagicLen);
  head += static_cast<char>(lengthBytes == 2 ? 1 : 2);
  head += '\0';
  uint64_t headerLen = header.size();
  for (size_t i = 0; i < lengthBytes; ++i)
    head += static_cast<char>((headerLen >> (8 * i)) & 0xFF);
  head += header;

  return writeFileSafely(
      path,
      [&](llvm::raw_ostream &os) {
        os << head;
        os.write(reinterpret_cast<const char *>(array.bytes.data()),
                 array.bytes.size());
      },
      error);
}

bool readTensorArchive(const std::string &path,
                       std::map<std::string, Array> &out, std::string &error) {
  ArchiveKind kind;
  if (!archiveKindOf(path, kind, error))
    return false;
  InputFile file;
  if (!file.open(path, error))
    return false;
  return readArchive(file, kind, path, out, error);
}

bool readTensorArchiveFromMemory(const void *data, size_t size,
                                 const std::string &name,
                                 std::map<std::string, Array> &out,
                                 std::string &error) {
  ArchiveKind kind;
  if (!archiveKindOf(name, kind, error))
    return false;
  InputFile file;
  file.openMemory(data, size, name);
  return readArchive(file, kind, name, out, error);
}

} // namespace spotlight::io
