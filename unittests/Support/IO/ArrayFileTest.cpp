//===- ArrayFileTest.cpp - Tests for .npy/.npz/.safetensors I/O -----------===//
//
// Files are built byte by byte here (including a minimal ZIP writer) so the
// tests need neither numpy nor a zip tool.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/ArrayFile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

// Mirrors the library's choice of whether to use zlib.
#if !defined(SPOTLIGHT_ARRAYFILE_NO_ZLIB) && defined(__has_include)
#if __has_include(<zlib.h>)
#include <zlib.h>
#define ARRAYFILE_TEST_HAVE_ZLIB 1
#endif
#endif

using namespace spotlight::io;

namespace {

using Bytes = std::vector<unsigned char>;

/// A per-test file name so tests never see each other's files.
std::string tempPath(const std::string &suffix) {
  const ::testing::TestInfo *info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "arrayfile_" + info->test_suite_name() + "_" +
         info->name() + suffix;
}

void writeFile(const std::string &path, const Bytes &bytes) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  ASSERT_TRUE(stream.good()) << path;
}

void writeFile(const std::string &path, const std::string &text) {
  writeFile(path, Bytes(text.begin(), text.end()));
}

Bytes readFile(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(stream),
               std::istreambuf_iterator<char>());
}

void append(Bytes &out, const std::string &s) {
  out.insert(out.end(), s.begin(), s.end());
}
void append(Bytes &out, const Bytes &b) {
  out.insert(out.end(), b.begin(), b.end());
}
void put16(Bytes &out, uint16_t v) {
  for (int i = 0; i < 2; ++i)
    out.push_back((v >> (8 * i)) & 0xFF);
}
void put32(Bytes &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back((v >> (8 * i)) & 0xFF);
}
void put64(Bytes &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back((v >> (8 * i)) & 0xFF);
}

template <typename T>
Bytes toBytes(const std::vector<T> &values) {
  Bytes out(values.size() * sizeof(T));
  if (!out.empty())
    std::memcpy(out.data(), values.data(), out.size());
  return out;
}

/// Random, non-trivial contents for every dtype (never all zeros).
Array randomArray(DType dtype, std::vector<int64_t> shape, std::mt19937 &rng) {
  Array array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  size_t n = static_cast<size_t>(array.numElements());
  switch (dtype) {
  case DType::F32: {
    std::uniform_real_distribution<float> dist(-100.0f, 100.0f);
    std::vector<float> v(n);
    for (float &x : v)
      x = dist(rng);
    array.bytes = toBytes(v);
    break;
  }
  case DType::I32: {
    std::uniform_int_distribution<int32_t> dist(INT32_MIN, INT32_MAX);
    std::vector<int32_t> v(n);
    for (int32_t &x : v)
      x = dist(rng);
    array.bytes = toBytes(v);
    break;
  }
  case DType::I64: {
    std::uniform_int_distribution<int64_t> dist(INT64_MIN, INT64_MAX);
    std::vector<int64_t> v(n);
    for (int64_t &x : v)
      x = dist(rng);
    array.bytes = toBytes(v);
    break;
  }
  case DType::F16:
  case DType::BF16:
  case DType::U16: {
    std::uniform_int_distribution<int> dist(1, 0xFFFF);
    std::vector<uint16_t> v(n);
    for (uint16_t &x : v)
      x = static_cast<uint16_t>(dist(rng));
    array.bytes = toBytes(v);
    break;
  }
  }
  return array;
}

/// A .npy image with an arbitrary header dict and format version.
Bytes makeNpy(const std::string &dict, const Bytes &data, int major = 1) {
  Bytes out;
  append(out, std::string("\x93NUMPY", 6));
  out.push_back(major);
  out.push_back(0);
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  if (major == 1)
    put16(out, header.size());
  else
    put32(out, header.size());
  append(out, header);
  append(out, data);
  return out;
}

std::string npyDict(const std::string &descr, const std::string &shape,
                    bool fortran = false) {
  return "{'descr': '" + descr +
         "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

//===----------------------------------------------------------------------===//
// Minimal ZIP writer
//===----------------------------------------------------------------------===//

uint32_t crc32Ref(const Bytes &data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k)
      crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  return ~crc;
}

enum class Method { Stored, Deflate, DeflateStoredBlocks };

struct ZipMember {
  std::string name;
  Bytes data;
  Method method = Method::Stored;
};

/// A valid DEFLATE stream made of uncompressed blocks; needs no zlib, so the
/// DEFLATE code path can be exercised in every configuration.
Bytes deflateStoredBlocks(const Bytes &in) {
  Bytes out;
  size_t pos = 0;
  do {
    size_t len = std::min<size_t>(in.size() - pos, 0xFFFF);
    bool last = pos + len == in.size();
    out.push_back(last ? 1 : 0);
    put16(out, len);
    put16(out, ~len & 0xFFFF);
    out.insert(out.end(), in.begin() + pos, in.begin() + pos + len);
    pos += len;
  } while (pos < in.size());
  return out;
}

#ifdef ARRAYFILE_TEST_HAVE_ZLIB
Bytes rawDeflate(const Bytes &in) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  Bytes out(deflateBound(&zs, in.size()));
  zs.next_in = const_cast<unsigned char *>(in.data());
  zs.avail_in = in.size();
  zs.next_out = out.data();
  zs.avail_out = out.size();
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
#endif

/// Builds a ZIP archive. With `zip64`, sizes and offsets go into ZIP64 extra
/// fields and a ZIP64 end record, the way numpy's writer (force_zip64) and
/// large archives do.
Bytes buildZip(const std::vector<ZipMember> &members, bool zip64 = false) {
  Bytes out, central;
  for (const ZipMember &m : members) {
    Bytes payload = m.data;
    uint16_t method = m.method == Method::Stored ? 0 : 8;
    if (m.method == Method::DeflateStoredBlocks)
      payload = deflateStoredBlocks(m.data);
#ifdef ARRAYFILE_TEST_HAVE_ZLIB
    if (m.method == Method::Deflate)
      payload = rawDeflate(m.data);
#else
    if (m.method == Method::Deflate)
      payload = deflateStoredBlocks(m.data);
#endif
    uint32_t crc = crc32Ref(m.data);
    uint64_t offset = out.size();
    Bytes extra;
    if (zip64) {
      put16(extra, 1);
      put16(extra, 16);
      put64(extra, m.data.size());
      put64(extra, payload.size());
    }
    put32(out, 0x04034b50);
    put16(out, zip64 ? 45 : 20);
    put16(out, 0);
    put16(out, method);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, crc);
    put32(out, zip64 ? 0xFFFFFFFF : payload.size());
    put32(out, zip64 ? 0xFFFFFFFF : m.data.size());
    put16(out, m.name.size());
    put16(out, extra.size());
    append(out, m.name);
    append(out, extra);
    append(out, payload);

    Bytes centralExtra;
    if (zip64) {
      put16(centralExtra, 1);
      put16(centralExtra, 24);
      put64(centralExtra, m.data.size());
      put64(centralExtra, payload.size());
      put64(centralExtra, offset);
    }
    put32(central, 0x02014b50);
    put16(central, 0x031e);
    put16(central, zip64 ? 45 : 20);
    put16(central, 0);
    put16(central, method);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, zip64 ? 0xFFFFFFFF : payload.size());
    put32(central, zip64 ? 0xFFFFFFFF : m.data.size());
    put16(central, m.name.size());
    put16(central, centralExtra.size());
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, zip64 ? 0xFFFFFFFF : offset);
    append(central, m.name);
    append(central, centralExtra);
  }
  uint64_t centralOffset = out.size();
  append(out, central);
  if (zip64) {
    uint64_t end64 = out.size();
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, members.size());
    put64(out, members.size());
    put64(out, central.size());
    put64(out, centralOffset);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, end64);
    put32(out, 1);
  }
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, zip64 ? 0xFFFF : members.size());
  put16(out, zip64 ? 0xFFFF : members.size());
  put32(out, zip64 ? 0xFFFFFFFF : central.size());
  put32(out, zip64 ? 0xFFFFFFFF : centralOffset);
  put16(out, 0);
  return out;
}

/// The .npy image writeNpy produces for `array`.
Bytes npyImage(const Array &array, const std::string &path) {
  std::string error;
  EXPECT_TRUE(writeNpy(path, array, error)) << error;
  Bytes image = readFile(path);
  std::remove(path.c_str());
  return image;
}

void expectSameArray(const Array &expected, const Array &actual) {
  EXPECT_EQ(expected.dtype, actual.dtype);
  EXPECT_EQ(expected.shape, actual.shape);
  EXPECT_EQ(expected.bytes, actual.bytes);
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(Npy, RoundTripEveryDType) {
  std::mt19937 rng(1234);
  const std::string path = tempPath(".npy");
  const DType dtypes[] = {DType::F32, DType::F16, DType::BF16,
                          DType::I32, DType::I64, DType::U16};
  const std::vector<std::vector<int64_t>> shapes = {
      {2, 3, 4}, {7}, {}, {0, 3}, {1, 1, 5, 2}};
  for (DType dtype : dtypes) {
    for (const auto &shape : shapes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " rank " +
                   std::to_string(shape.size()));
      Array array = randomArray(dtype, shape, rng);
      if (!array.bytes.empty()) {
        EXPECT_NE(array.bytes, Bytes(array.bytes.size(), 0));
      }
      std::string error;
      ASSERT_TRUE(writeNpy(path, array, error)) << error;
      Array back;
      ASSERT_TRUE(readNpy(path, back, error)) << error;
      // .npy has no bf16: it comes back as the raw u16 bits.
      EXPECT_EQ(back.dtype, dtype == DType::BF16 ? DType::U16 : dtype);
      EXPECT_EQ(back.shape, array.shape);
      EXPECT_EQ(back.bytes, array.bytes);
      EXPECT_EQ(back.numElements(), array.numElements());
    }
  }
  std::remove(path.c_str());
}

TEST(Npy, WrittenHeaderLayout) {
  std::mt19937 rng(7);
  const std::string path = tempPath(".npy");
  struct Case {
    DType dtype;
    std::vector<int64_t> shape;
    std::string expected;
  } cases[] = {
      {DType::F32,
       {2, 3},
       "{'descr': '<f4', 'fortran_order': False, "
       "'shape': (2, 3), }"},
      {DType::BF16,
       {5},
       "{'descr': '<u2', 'fortran_order': False, "
       "'shape': (5,), }"},
      {DType::I64,
       {},
       "{'descr': '<i8', 'fortran_order': False, "
       "'shape': (), }"},
  };
  for (const Case &c : cases) {
    Bytes image = npyImage(randomArray(c.dtype, c.shape, rng), path);
    ASSERT_GE(image.size(), 10u);
    EXPECT_EQ(std::string(image.begin(), image.begin() + 6),
              std::string("\x93NUMPY", 6));
    EXPECT_EQ(image[6], 1);
    EXPECT_EQ(image[7], 0);
    size_t headerLen = image[8] | (image[9] << 8);
    EXPECT_EQ((10 + headerLen) % 64, 0u);
    std::string header(image.begin() + 10, image.begin() + 10 + headerLen);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(header.substr(0, c.expected.size()), c.expected);
    EXPECT_EQ(header.find_first_not_of(' ', c.expected.size()),
              header.size() - 1);
  }
}

TEST(Npy, ReadsVersion2And3Headers) {
  std::vector<int32_t> values = {1, -2, 3, 400000, -5, 6};
  for (int major : {2, 3}) {
    const std::string path = tempPath(".npy");
    writeFile(path, makeNpy(npyDict("<i4", "(2, 3)"), toBytes(values), major));
    Array array;
    std::string error;
    ASSERT_TRUE(readNpy(path, array, error)) << error;
    EXPECT_EQ(array.dtype, DType::I32);
    EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(array.bytes, toBytes(values));
    std::remove(path.c_str());
  }
}

TEST(Npy, AcceptsPipeByteOrderAndLegacySpelling) {
  const std::string path = tempPath(".npy");
  std::vector<uint16_t> values = {0x3f80, 0xc000, 0x1234};
  // Double quotes, no trailing comma and Python 2 long literals all occur in
  // files written by other tools or old numpy.
  writeFile(path, makeNpy("{\"descr\": \"|u2\", \"shape\": (3L,), "
                          "\"fortran_order\": False}",
                          toBytes(values)));
  Array array;
  std::string error;
  ASSERT_TRUE(readNpy(path, array, error)) << error;
  EXPECT_EQ(array.dtype, DType::U16);
  EXPECT_EQ(array.shape, std::vector<int64_t>{3});
  EXPECT_EQ(array.bytes, toBytes(values));
  std::remove(path.c_str());
}

TEST(Npy, RejectsTruncatedFiles) {
  std::mt19937 rng(99);
  const std::string path = tempPath(".npy");
  Bytes image = npyImage(randomArray(DType::F32, {3, 5}, rng), path);
  for (size_t len = 0; len < image.size(); ++len) {
    writeFile(path, Bytes(image.begin(), image.begin() + len));
    Array array;
    std::string error;
    EXPECT_FALSE(readNpy(path, array, error)) << "length " << len;
    EXPECT_FALSE(error.empty());
  }
  // The last few bytes missing must say "truncated".
  writeFile(path, Bytes(image.begin(), image.end() - 4));
  Array array;
  std::string error;
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  // So must extra bytes: the shape must account for the whole file.
  Bytes longer = image;
  longer.push_back(0);
  writeFile(path, longer);
  EXPECT_FALSE(readNpy(path, array, error));
  std::remove(path.c_str());
}

TEST(Npy, RejectsWrongMagic) {
  const std::string path = tempPath(".npy");
  Bytes image = makeNpy(npyDict("<f4", "(1,)"), Bytes(4, 1));
  image[1] = 'M';
  writeFile(path, image);
  Array array;
  std::string error;
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;
  writeFile(path, std::string("hello, world"));
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(Npy, RejectsBigEndian) {
  const std::string path = tempPath(".npy");
  writeFile(path, makeNpy(npyDict(">f4", "(2,)"), Bytes(8, 1)));
  Array array;
  std::string error;
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("big-endian"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(Npy, RejectsFortranOrder) {
  const std::string path = tempPath(".npy");
  writeFile(path,
            makeNpy(npyDict("<f4", "(2, 3)", /*fortran=*/true), Bytes(24, 1)));
  Array array;
  array.shape = {42};
  std::string error;
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("Fortran"), std::string::npos) << error;
  EXPECT_EQ(array.shape, std::vector<int64_t>{42}) << "out was modified";
  std::remove(path.c_str());
}

TEST(Npy, RejectsUnsupportedOrMalformedHeaders) {
  const std::string path = tempPath(".npy");
  const std::string bad[] = {
      npyDict("<f8", "(2,)"),
      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
      npyDict("<f4", "(2,"),
      npyDict("<f4", "(-2,)"),
      npyDict("<f4", "(99999999999999999999,)"),
      npyDict("<f4", "(4294967296, 4294967296)"),
      "{'descr': '<f4', 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk",
      "{'descr': '<f4",
  };
  for (const std::string &dict : bad) {
    writeFile(path, makeNpy(dict, Bytes(8, 1)));
    Array array;
    std::string error;
    EXPECT_FALSE(readNpy(path, array, error)) << dict;
    EXPECT_FALSE(error.empty());
  }
  // A header length pointing past the end of the file.
  Bytes image = makeNpy(npyDict("<f4", "(2,)"), Bytes(8, 1));
  image[8] = 0xFF;
  image[9] = 0xFF;
  writeFile(path, image);
  Array array;
  std::string error;
  EXPECT_FALSE(readNpy(path, array, error));
  // An unknown format version.
  image = makeNpy(npyDict("<f4", "(2,)"), Bytes(8, 1));
  image[6] = 4;
  writeFile(path, image);
  EXPECT_FALSE(readNpy(path, array, error));
  EXPECT_NE(error.find("version"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(Npy, ReportsMissingFilesAndBadArrays) {
  Array array;
  std::string error;
  EXPECT_FALSE(readNpy(tempPath(".does-not-exist.npy"), array, error));
  EXPECT_NE(error.find("no such file"), std::string::npos) << error;
  EXPECT_FALSE(readNpy(::testing::TempDir(), array, error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;

  Array wrong;
  wrong.dtype = DType::F32;
  wrong.shape = {2, 2};
  wrong.bytes.resize(12);
  EXPECT_FALSE(writeNpy(tempPath(".npy"), wrong, error));
  EXPECT_NE(error.find("needs 16 bytes"), std::string::npos) << error;
}

//===----------------------------------------------------------------------===//
// .safetensors
//===----------------------------------------------------------------------===//

Bytes makeSafetensors(const std::string &json, const Bytes &data) {
  std::string header = json;
  while (header.size() % 8 != 0)
    header += ' '; // The reference writer pads with spaces.
  Bytes out;
  put64(out, header.size());
  append(out, header);
  append(out, data);
  return out;
}

struct SafetensorsFixture {
  std::vector<float> weights = {1.5f, -2.25f, 3.0f, 1e-3f, -7.0f, 42.0f};
  std::vector<uint16_t> bias = {0x3f80, 0xbf80, 0x4049}; // bf16 1, -1, 3.14
  std::vector<int64_t> ids = {-1, 1ll << 40};

  Bytes data() const {
    Bytes out = toBytes(weights);
    append(out, toBytes(bias));
    append(out, toBytes(ids));
    return out;
  }
  std::string json(const std::string &biasOffsets = "[24, 30]") const {
    return "{\"__metadata__\": {\"format\": \"pt\"},"
           " \"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], "
           "\"data_offsets\": [0, 24]},\n"
           " \"b\\u00e9\": {\"dtype\": \"BF16\", \"shape\": [3], "
           "\"data_offsets\": " +
           biasOffsets +
           "},"
           " \"ids\": {\"dtype\": \"I64\", \"shape\": [2], "
           "\"data_offsets\": [30, 46]}}";
  }
};

TEST(Safetensors, ReadsTensorsOfDifferentDTypes) {
  SafetensorsFixture f;
  const std::string path = tempPath(".safetensors");
  writeFile(path, makeSafetensors(f.json(), f.data()));
  std::map<std::string, Array> tensors;
  std::string error;
  ASSERT_TRUE(readTensorArchive(path, tensors, error)) << error;
  ASSERT_EQ(tensors.size(), 3u);
  const Array &w = tensors.at("w");
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w.bytes, toBytes(f.weights));
  const Array &b = tensors.at("b\xc3\xa9"); // "bé": \u escapes decode.
  EXPECT_EQ(b.dtype, DType::BF16);
  EXPECT_EQ(b.shape, std::vector<int64_t>{3});
  EXPECT_EQ(b.bytes, toBytes(f.bias));
  const Array &ids = tensors.at("ids");
  EXPECT_EQ(ids.dtype, DType::I64);
  EXPECT_EQ(ids.bytes, toBytes(f.ids));
  std::remove(path.c_str());
}

TEST(Safetensors, RejectsBadOffsets) {
  SafetensorsFixture f;
  const std::string path = tempPath(".safetensors");
  for (const char *offsets :
       {"[24, 31]", "[24, 4000]", "[30, 24]", "[24, 28]", "[24]", "[24, -30]",
        "[24, 30.0]", "[24, 18446744073709551616]"}) {
    writeFile(path, makeSafetensors(f.json(offsets), f.data()));
    std::map<std::string, Array> tensors;
    tensors["keep"] = Array();
    std::string error;
    EXPECT_FALSE(readTensorArchive(path, tensors, error)) << offsets;
    EXPECT_NE(error.find("data_offsets"), std::string::npos) << error;
    EXPECT_EQ(tensors.size(), 1u) << "out was modified";
  }
  std::remove(path.c_str());
}

TEST(Safetensors, RejectsBadHeaders) {
  SafetensorsFixture f;
  const std::string path = tempPath(".safetensors");
  std::map<std::string, Array> tensors;
  std::string error;

  // Header length beyond the end of the file.
  Bytes image = makeSafetensors(f.json(), f.data());
  image[5] = 0x01;
  writeFile(path, image);
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("header length"), std::string::npos) << error;

  const std::string badJson[] = {
      "[1, 2]",
      "{\"w\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}",
      "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, "
      "4]}}",
      "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}",
      "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
      " \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
      "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}",
      "{\"w\": \"\\ud800\"}",
      std::string(1000, '[') + std::string(1000, ']'),
  };
  for (const std::string &json : badJson) {
    writeFile(path, makeSafetensors(json, Bytes(64, 0)));
    EXPECT_FALSE(readTensorArchive(path, tensors, error)) << json;
    EXPECT_FALSE(error.empty());
  }

  // Every truncation fails cleanly.
  for (size_t len = 0; len < image.size(); ++len) {
    Bytes good = makeSafetensors(f.json(), f.data());
    writeFile(path, Bytes(good.begin(), good.begin() + len));
    EXPECT_FALSE(readTensorArchive(path, tensors, error)) << "length " << len;
  }
  std::remove(path.c_str());
}

//===----------------------------------------------------------------------===//
// .npz
//===----------------------------------------------------------------------===//

TEST(Npz, ReadsStoredArchive) {
  std::mt19937 rng(5);
  const std::string path = tempPath(".npz");
  Array w1 = randomArray(DType::F32, {4, 3}, rng);
  Array b = randomArray(DType::I32, {3}, rng);
  Array h = randomArray(DType::F16, {2, 2}, rng);
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "zip64" : "plain");
    writeFile(path, buildZip({{"w1.npy", npyImage(w1, path + ".tmp")},
                              {"layer/b.npy", npyImage(b, path + ".tmp")},
                              {"h.npy", npyImage(h, path + ".tmp")}},
                             zip64));
    std::map<std::string, Array> tensors;
    std::string error;
    ASSERT_TRUE(readTensorArchive(path, tensors, error)) << error;
    ASSERT_EQ(tensors.size(), 3u);
    expectSameArray(w1, tensors.at("w1"));
    expectSameArray(b, tensors.at("layer/b"));
    expectSameArray(h, tensors.at("h"));
  }
  std::remove(path.c_str());
}

#ifdef ARRAYFILE_TEST_HAVE_ZLIB
TEST(Npz, ReadsDeflatedArchive) {
  std::mt19937 rng(6);
  const std::string path = tempPath(".npz");
  Array w = randomArray(DType::F32, {64, 16}, rng);
  Array ids = randomArray(DType::I64, {100}, rng);
  Array zeros; // Compresses well, so the inflater's output must grow.
  zeros.dtype = DType::U16;
  zeros.shape = {300, 300};
  zeros.bytes.assign(300 * 300 * 2, 0);
  zeros.bytes[12345] = 7;
  Array big = randomArray(DType::F16, {70000}, rng); // Several stored blocks.
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "zip64" : "plain");
    writeFile(path,
              buildZip({{"w.npy", npyImage(w, path + ".tmp"), Method::Deflate},
                        {"ids.npy", npyImage(ids, path + ".tmp")},
                        {"zeros.npy", npyImage(zeros, path + ".tmp"),
                         Method::Deflate},
                        {"big.npy", npyImage(big, path + ".tmp"),
                         Method::DeflateStoredBlocks}},
                       zip64));
    std::map<std::string, Array> tensors;
    std::string error;
    ASSERT_TRUE(readTensorArchive(path, tensors, error)) << error;
    ASSERT_EQ(tensors.size(), 4u);
    expectSameArray(w, tensors.at("w"));
    expectSameArray(ids, tensors.at("ids"));
    expectSameArray(zeros, tensors.at("zeros"));
    expectSameArray(big, tensors.at("big"));
  }
  std::remove(path.c_str());
}

TEST(Npz, RejectsCorruptDeflateStreams) {
  std::mt19937 rng(11);
  const std::string path = tempPath(".npz");
  Array w = randomArray(DType::F32, {32}, rng);
  Bytes good = buildZip(
      {{"w.npy", npyImage(w, path + ".tmp"), Method::DeflateStoredBlocks}});
  std::map<std::string, Array> tensors;
  std::string error;
  // Flip the BFINAL bit: the stream then runs out of input.
  Bytes image = good;
  size_t dataStart = 30 + std::string("w.npy").size();
  image[dataStart] = 0;
  writeFile(path, image);
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("DEFLATE"), std::string::npos) << error;
  // An invalid block type.
  image = good;
  image[dataStart] = 0x07;
  writeFile(path, image);
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("DEFLATE"), std::string::npos) << error;
  std::remove(path.c_str());
}
#else
TEST(Npz, ReportsCompressedArchivesUnsupported) {
  std::mt19937 rng(6);
  const std::string path = tempPath(".npz");
  Array w = randomArray(DType::F32, {4}, rng);
  writeFile(path, buildZip({{"w.npy", npyImage(w, path + ".tmp"),
                             Method::DeflateStoredBlocks}}));
  std::map<std::string, Array> tensors;
  std::string error;
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("compressed .npz is not supported; use numpy.savez"),
            std::string::npos)
      << error;
  std::remove(path.c_str());
}
#endif

TEST(Npz, RejectsCorruptArchives) {
  std::mt19937 rng(8);
  const std::string path = tempPath(".npz");
  Array w = randomArray(DType::F32, {8}, rng);
  Bytes good = buildZip({{"w.npy", npyImage(w, path + ".tmp")}});
  std::map<std::string, Array> tensors;
  std::string error;

  for (size_t len = 0; len < good.size(); ++len) {
    writeFile(path, Bytes(good.begin(), good.begin() + len));
    EXPECT_FALSE(readTensorArchive(path, tensors, error)) << "length " << len;
  }

  Bytes flipped = good;
  flipped[100] ^= 0x40; // Inside the array data.
  writeFile(path, flipped);
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("CRC"), std::string::npos) << error;

  writeFile(path, buildZip({{"w.npy", npyImage(w, path + ".tmp")},
                            {"notes.txt", Bytes(3, 'x')}}));
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("not a .npy"), std::string::npos) << error;

  writeFile(path, std::string("definitely not a zip file at all"));
  EXPECT_FALSE(readTensorArchive(path, tensors, error));
  EXPECT_NE(error.find("ZIP"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(TensorArchive, RejectsUnknownExtension) {
  std::map<std::string, Array> tensors;
  std::string error;
  EXPECT_FALSE(readTensorArchive(tempPath(".bin"), tensors, error));
  EXPECT_NE(error.find("unknown archive type"), std::string::npos) << error;
}

/// Random corruption must only ever produce errors (run under ASan/UBSan to
/// make this meaningful).
TEST(TensorArchive, SurvivesRandomCorruption) {
  std::mt19937 rng(2024);
  const std::string npyPath = tempPath(".npy");
  const std::string npzPath = tempPath(".npz");
  const std::string stPath = tempPath(".safetensors");
  Array w = randomArray(DType::F32, {3, 4}, rng);
  Bytes npy = npyImage(w, npyPath);
  SafetensorsFixture f;
  Bytes st = makeSafetensors(f.json(), f.data());
  std::vector<ZipMember> members = {{"w.npy", npy}, {"v.npy", npy}};
  members[1].method = Method::Deflate;
  Bytes npz = buildZip(members, /*zip64=*/true);

  std::uniform_int_distribution<int> byte(0, 255);
  for (int iter = 0; iter < 300; ++iter) {
    for (int kind = 0; kind < 3; ++kind) {
      Bytes image = kind == 0 ? npy : kind == 1 ? st : npz;
      int flips = 1 + iter % 4;
      for (int i = 0; i < flips; ++i)
        image[std::uniform_int_distribution<size_t>(0, image.size() - 1)(rng)] =
            byte(rng);
      std::string error;
      if (kind == 0) {
        writeFile(npyPath, image);
        Array array;
        if (!readNpy(npyPath, array, error)) {
          EXPECT_FALSE(error.empty());
        } else {
          EXPECT_EQ(array.bytes.size(),
                    array.numElements() * dtypeSize(array.dtype));
        }
      } else {
        const std::string &path = kind == 1 ? stPath : npzPath;
        writeFile(path, image);
        std::map<std::string, Array> tensors;
        if (!readTensorArchive(path, tensors, error)) {
          EXPECT_FALSE(error.empty());
        }
      }
    }
  }
  std::remove(npyPath.c_str());
  std::remove(npzPath.c_str());
  std::remove(stPath.c_str());
}

} // namespace
