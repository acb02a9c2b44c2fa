//===- SafetensorsTest.cpp - Hostile headers and escaping -----------------===//
//
// What the header parser (llvm::json behind a guard) must refuse, and what
// the writer must escape. ArrayFileTest.cpp covers the format itself.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/ArrayFile.h"
#include "spotlight/Support/IO/SafetensorsWriter.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace spotlight::io;

namespace {

/// A .safetensors image with `json` as its header and 64 zero data bytes.
std::string image(const std::string &json) {
  std::string header = json;
  while (header.size() % 8 != 0)
    header += ' ';
  std::string out;
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  return out + header + std::string(64, '\0');
}

/// Reads `json` as a header: the error, or "" if accepted.
std::string readError(const std::string &json) {
  std::string bytes = image(json), error;
  std::map<std::string, Array> tensors;
  if (readTensorArchiveFromMemory(bytes.data(), bytes.size(), "t.safetensors",
                                  tensors, error))
    return "";
  EXPECT_FALSE(error.empty());
  return error;
}

const char *kTensor =
    R"({"dtype": "F32", "shape": [1], "data_offsets": [0, 4]})";

TEST(SafetensorsHeader, DeepNestingIsAnErrorNotAStackOverflow) {
  for (size_t depth : {65u, 1000u, 100000u, 1000000u}) {
    std::string error =
        readError(std::string(depth, '[') + "1" + std::string(depth, ']'));
    EXPECT_NE(error.find("nesting"), std::string::npos) << error;
  }
  std::string deep = "{\"w\": " + std::string(100000, '{');
  EXPECT_NE(readError(deep).find("nesting"), std::string::npos);
}

TEST(SafetensorsHeader, DuplicateKeysAreErrors) {
  std::string t = kTensor;
  EXPECT_NE(readError("{\"w\": " + t + ", \"w\": " + t + "}").find("duplicate"),
            std::string::npos);
  EXPECT_NE(readError(R"({"w": {"dtype": "F32", "dtype": "F32", "shape": [1],)"
                      R"( "data_offsets": [0, 4]}})")
                .find("duplicate"),
            std::string::npos);
  // Colons inside strings are not members.
  EXPECT_EQ(readError("{\"a:b\": " + t + ", \"c\\\":\": " + t + "}"), "");
}

TEST(SafetensorsHeader, UnpairedSurrogatesAreErrors) {
  std::string t = kTensor;
  for (const char *name : {"\\ud800", "\\udc00", "x\\ud800\\u0041"})
    EXPECT_NE(readError(std::string("{\"") + name + "\": " + t + "}")
                  .find("surrogate"),
              std::string::npos)
        << name;
  EXPECT_EQ(readError("{\"\\ud83d\\ude00\": " + t + "}"), "");
}

TEST(SafetensorsHeader, RejectsInvalidJsonCleanly) {
  for (const char *json :
       {"", "{", "{\"w\": }", "{\"w\": [1, 2,]}", "{\"w\\x\": 1}",
        "{\"w\": \"\x01\"}", "{\"w\": 1} x", "{\"\xff\": 1}", "\"\\u12"})
    EXPECT_NE(readError(json), "") << json;
}

TEST(SafetensorsWriter, EscapesNamesAndMetadata) {
  const std::string path =
      ::testing::TempDir() + "safetensors_escapes.safetensors";
  Array a;
  a.dtype = DType::I32;
  a.shape = {2};
  a.bytes = {1, 0, 0, 0, 2, 0, 0, 0};
  const std::string name = "quote\" back\\ nl\n tab\t ctl\x01 \xc3\xa9";
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, {{name, a}}, error, {{"k\x1f", "v\"\n"}}))
      << error;
  std::map<std::string, Array> back;
  ASSERT_TRUE(readTensorArchive(path, back, error)) << error;
  ASSERT_EQ(back.count(name), 1u);
  EXPECT_EQ(back.at(name).bytes, a.bytes);

  EXPECT_FALSE(writeSafetensors(path, {{"bad\xff", a}}, error));
  EXPECT_FALSE(writeSafetensors(path, {{"w", a}}, error, {{"k", "\xc3"}}));
  std::remove(path.c_str());
}

TEST(TensorArchive, ReadsFromMemoryLikeFromAFile) {
  std::string bytes =
      image(std::string("{\"w\": ") + kTensor + ", \"__metadata__\": {}}");
  bytes[bytes.size() - 64] = 7;
  std::map<std::string, Array> tensors;
  std::string error;
  ASSERT_TRUE(readTensorArchiveFromMemory(bytes.data(), bytes.size() - 60,
                                          "m.safetensors", tensors, error))
      << error;
  ASSERT_EQ(tensors.count("w"), 1u);
  EXPECT_EQ(tensors.at("w").bytes, (std::vector<unsigned char>{7, 0, 0, 0}));
  EXPECT_FALSE(readTensorArchiveFromMemory(bytes.data(), bytes.size(), "m.bin",
                                           tensors, error));
  EXPECT_NE(error.find("unknown archive type"), std::string::npos);
  Array array;
  EXPECT_FALSE(readNpyFromMemory("\x93NUMPY", 6, "m.npy", array, error));
  EXPECT_NE(error.find("m.npy"), std::string::npos) << error;
}

} // namespace
