//===- Dataset.cpp - Captured queries and keys of one layer ---------------===//

#include "spotlight/Quality/Dataset.h"

#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Support/IO/ArrayFile.h"

#include <climits>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

namespace spotlight::quality {

std::string Dataset::finalize() {
  if (tokens <= 0 || queryHeads <= 0 || kvHeads <= 0 || headDim <= 0)
    return "empty dataset";
  if (queryHeads % kvHeads != 0)
    return "QH=" + std::to_string(queryHeads) +
           " is not a multiple of KH=" + std::to_string(kvHeads);
  if (headDim % 32 != 0)
    return "D=" + std::to_string(headDim) + " is not a multiple of 32";
  if (static_cast<int64_t>(queries.size()) != tokens * queryHeads * headDim ||
      static_cast<int64_t>(keys.size()) != tokens * kvHeads * headDim)
    return "queries/keys do not hold T*QH*D / T*KH*D values";
  if (tokens > INT32_MAX)
    return "more than 2^31 tokens";
  // One NaN or Inf would poison every logit, top-k and gradient it touches.
  for (const std::vector<float> *v : {&queries, &keys})
    for (size_t i = 0; i < v->size(); ++i)
      if (!std::isfinite((*v)[i])) {
        const int64_t heads = v == &queries ? queryHeads : kvHeads;
        const int64_t row = static_cast<int64_t>(i) / headDim;
        return std::string(v == &queries ? "queries" : "keys") +
               " hold a non-finite value (token " +
               std::to_string(row / heads) + ", head " +
               std::to_string(row % heads) + ", channel " +
               std::to_string(static_cast<int64_t>(i) % headDim) + ")";
      }
  if (sequenceLengths.empty())
    sequenceLengths = {tokens};
  int64_t sum = 0;
  for (int64_t len : sequenceLengths) {
    if (len <= 0)
      return "sequence lengths must be positive";
    sum += len;
  }
  if (sum != tokens)
    return "sequence lengths sum to " + std::to_string(sum) +
           ", not T=" + std::to_string(tokens);
  sequenceStart.resize(tokens);
  int64_t t = 0;
  for (int64_t len : sequenceLengths) {
    for (int64_t i = 0; i < len; ++i)
      sequenceStart[t + i] = t;
    t += len;
  }
  return "";
}

std::vector<float> keysOfHead(const Dataset &data, int64_t h) {
  const int64_t D = data.headDim;
  std::vector<float> out(data.tokens * D);
  for (int64_t t = 0; t < data.tokens; ++t)
    std::memcpy(&out[t * D], data.key(t, h), D * sizeof(float));
  return out;
}

bool parseSequenceLengths(const std::string &text, std::vector<int64_t> &out,
                          std::string &error) {
  out.clear();
  if (text.empty())
    return true;
  if (text.size() > 4 && text.compare(text.size() - 4, 4, ".npy") == 0) {
    io::Array a;
    if (!io::readNpy(text, a, error))
      return false;
    if (a.shape.size() != 1 ||
        (a.dtype != io::DType::I32 && a.dtype != io::DType::I64)) {
      error = text + ": sequence lengths must be a 1-D i32/i64 array";
      return false;
    }
    for (int64_t i = 0; i < a.numElements(); ++i) {
      if (a.dtype == io::DType::I32) {
        int32_t v;
        std::memcpy(&v, &a.bytes[i * 4], 4);
        out.push_back(v);
      } else {
        int64_t v;
        std::memcpy(&v, &a.bytes[i * 8], 8);
        out.push_back(v);
      }
    }
    return true;
  }
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item.empty() ||
        item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 12) {
      error = "bad sequence length '" + item + "' in '" + text + "'";
      return false;
    }
    out.push_back(std::stoll(item));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return true;
}

namespace {
bool toFloats(const io::Array &a, const std::string &what,
              std::vector<float> &out, std::string &error) {
  const int64_t n = a.numElements();
  out.resize(n);
  switch (a.dtype) {
  case io::DType::F32:
    std::memcpy(out.data(), a.bytes.data(), n * 4);
    return true;
  case io::DType::F16:
  case io::DType::BF16:
  case io::DType::U16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, &a.bytes[i * 2], 2);
      out[i] = a.dtype == io::DType::F16 ? fromF16(bits) : fromBf16(bits);
    }
    return true;
  default:
    error = what + ": expected f32, f16 or bf16 (<u2), got " +
            io::dtypeName(a.dtype);
    return false;
  }
}
} // namespace

bool loadDataset(const std::string &queriesPath, const std::string &keysPath,
                 const std::vector<int64_t> &sequenceLengths, Dataset &out,
                 std::string &error) {
  io::Array q, k;
  if (!io::readNpy(queriesPath, q, error) || !io::readNpy(keysPath, k, error))
    return false;
  if (q.shape.size() != 3 || k.shape.size() != 3 || q.shape[0] != k.shape[0] ||
      q.shape[2] != k.shape[2]) {
    error = "queries must be [T,QH,D] and keys [T,KH,D] with the same T and D";
    return false;
  }
  Dataset d;
  d.tokens = q.shape[0];
  d.queryHeads = q.shape[1];
  d.kvHeads = k.shape[1];
  d.headDim = q.shape[2];
  d.sequenceLengths = sequenceLengths;
  if (!toFloats(q, queriesPath, d.queries, error) ||
      !toFloats(k, keysPath, d.keys, error))
    return false;
  error = d.finalize();
  if (!error.empty())
    return false;
  out = std::move(d);
  return true;
}

bool saveDataset(const Dataset &data, const std::string &dir,
                 std::string &error) {
  ::mkdir(dir.c_str(), 0777); // an existing directory is fine
  auto floats = [](const std::vector<float> &v, std::vector<int64_t> shape) {
    io::Array a;
    a.dtype = io::DType::F32;
    a.shape = std::move(shape);
    a.bytes.resize(v.size() * 4);
    std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
    return a;
  };
  io::Array lens;
  lens.dtype = io::DType::I64;
  lens.shape = {static_cast<int64_t>(data.sequenceLengths.size())};
  lens.bytes.resize(data.sequenceLengths.size() * 8);
  std::memcpy(lens.bytes.data(), data.sequenceLengths.data(),
              lens.bytes.size());
  return io::writeNpy(
             dir + "/queries.npy",
             floats(data.queries, {data.tokens, data.queryHeads, data.headDim}),
             error) &&
         io::writeNpy(
             dir + "/keys.npy",
             floats(data.keys, {data.tokens, data.kvHeads, data.headDim}),
             error) &&
         io::writeNpy(dir + "/seq_lens.npy", lens, error);
}

} // namespace spotlight::quality
