//===- spotlight-testgen.cpp - Decode test vectors with reference answers -===//
//
//   spotlight-testgen --out-dir DIR --b 1 --qh 8 --kh 2 --d 64 --n 1000 \
//       --code-heads qh --dtype bf16 --mode group --budget 32 \
//       --weights-format safetensors --seed 1
//
// Writes the inputs of one decode step (q.npy [B,QH,D], k.npy and v.npy
// [B,KH,N,D], bf16 as '<u2'; hash weights w1 [CH,D,D], b1 [CH,D], w2, b2 as
// w.safetensors or w.npz, f32) and the answers of the naive reference
// (unittests/Reference): expected_idx.npy [B,S,M] (i32, ascending, -1
// padded), expected_out.npy (sparse attention, f32) and expected_dense.npy
// (f32). The reference computes in double; every query and key row whose
// pre-sign hash values come within --margin of zero under a code head that
// hashes it is drawn again, so each code bit is the same in f32 and the
// selected sets are exactly predictable. As in spotlight-run's random inputs,
// 1% of the keys of each KV head are planted near their group's queries.
//
//===----------------------------------------------------------------------===//

#include "Reference/NaiveReference.h"
#include "spotlight/Support/IO/ArrayFile.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

using namespace spotlight;
namespace cl = llvm::cl;
namespace ref = spotlight::reference;
using io::Array;
using io::DType;

namespace {
cl::OptionCategory category("spotlight-testgen options");
cl::opt<std::string> outDir("out-dir", cl::desc("Directory to write into"),
                            cl::Required, cl::cat(category));
cl::opt<int64_t> batch("b", cl::desc("Sequences"), cl::init(1),
                       cl::cat(category));
cl::opt<int64_t> queryHeads("qh", cl::desc("Query heads"), cl::init(8),
                            cl::cat(category));
cl::opt<int64_t> kvHeads("kh", cl::desc("KV heads"), cl::init(2),
                         cl::cat(category));
cl::opt<int64_t> headDim("d", cl::desc("Head dim (a multiple of 32)"),
                         cl::init(64), cl::cat(category));
cl::opt<int64_t> tokens("n", cl::desc("Cached tokens per sequence"),
                        cl::init(1000), cl::cat(category));
cl::opt<std::string> codeHeads("code-heads",
                               cl::desc("One hash MLP per query head (qh) or "
                                        "per KV head (kh)"),
                               cl::init("qh"), cl::cat(category));
cl::opt<std::string> dtype("dtype", cl::desc("q/K/V type: f32, f16 or bf16"),
                           cl::init("f32"), cl::cat(category));
cl::opt<std::string> mode("mode", cl::desc("Selection mode: group or head"),
                          cl::init("group"), cl::cat(category));
cl::opt<std::string> budget("budget",
                            cl::desc("A count (32) or a fraction (0.02)"),
                            cl::init("32"), cl::cat(category));
cl::opt<int64_t> minBudget("min-budget",
                           cl::desc("Least count of a fraction budget"),
                           cl::init(20), cl::cat(category));
cl::opt<int64_t> maxTokens(
    "max-tokens",
    cl::desc("spotlight-run's --max-tokens: sizes the slots of a fraction "
             "budget (with at least N)"),
    cl::init(262144), cl::cat(category));
cl::opt<int64_t> sink("sink", cl::desc("First tokens always kept"), cl::init(4),
                      cl::cat(category));
cl::opt<int64_t> window("window", cl::desc("Last tokens always kept"),
                        cl::init(64), cl::cat(category));
cl::opt<std::string> weightsFormat("weights-format",
                                   cl::desc("safetensors or npz"),
                                   cl::init("safetensors"), cl::cat(category));
cl::opt<std::string>
    omitWeight("omit-weight",
               cl::desc("Leave this tensor out of the weights file (to test "
                        "the error of a reader)"),
               cl::cat(category));
cl::opt<double> margin("margin",
                       cl::desc("Least |pre-sign value| of every code bit"),
                       cl::init(1e-3), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(1),
                       cl::cat(category));

[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "spotlight-testgen: error: " << message << "\n";
  std::exit(1);
}

std::string pathIn(const char *name) {
  llvm::SmallString<256> path(outDir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// Stores `values` (already representable in `type`) in an array of `type`.
Array toArray(const std::vector<float> &values, DType type,
              std::vector<int64_t> shape) {
  Array a;
  a.dtype = type;
  a.shape = std::move(shape);
  a.bytes.resize(values.size() * io::dtypeSize(type));
  for (size_t i = 0; i < values.size(); ++i) {
    if (type == DType::F32) {
      std::memcpy(&a.bytes[4 * i], &values[i], 4);
      continue;
    }
    uint16_t bits = type == DType::F16 ? ref::floatToF16(values[i])
                                       : ref::floatToBf16(values[i]);
    std::memcpy(&a.bytes[2 * i], &bits, 2);
  }
  return a;
}

Array toArray(const std::vector<double> &values, std::vector<int64_t> shape) {
  return toArray(std::vector<float>(values.begin(), values.end()), DType::F32,
                 std::move(shape));
}

void writeArray(const char *name, const Array &a) {
  std::string error;
  if (!io::writeNpy(pathIn(name), a, error))
    fail(error);
}

//===----------------------------------------------------------------------===//
// Weight archives
//===----------------------------------------------------------------------===//

struct NamedTensor {
  const char *name;
  const std::vector<float> *values;
  std::vector<int64_t> shape;
};

void appendLE(std::string &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::string rawBytes(const std::vector<float> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float));
}

std::string shapeText(const std::vector<int64_t> &shape, const char *open,
                      const char *close, bool trailingComma) {
  std::string text = open;
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  if (trailingComma && shape.size() == 1)
    text += ",";
  return text + close;
}

/// A safetensors file: an 8-byte header length, a JSON header, the data.
std::string safetensors(const std::vector<NamedTensor> &tensors) {
  std::string header = "{", data;
  for (const NamedTensor &t : tensors) {
    size_t begin = data.size();
    data += rawBytes(*t.values);
    header += std::string(header.size() > 1 ? "," : "") + "\"" + t.name +
              "\":{\"dtype\":\"F32\",\"shape\":" +
              shapeText(t.shape, "[", "]", false) + ",\"data_offsets\":[" +
              std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  while (header.size() % 8)
    header += " ";
  std::string file;
  appendLE(file, header.size(), 8);
  return file + header + data;
}

/// A version 1.0 .npy image of an f32 tensor.
std::string npyImage(const NamedTensor &t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " +
                     shapeText(t.shape, "(", ")", true) + ", }";
  size_t unpadded = 10 + dict.size() + 1;
  dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string file = "\x93NUMPY";
  file += '\x01';
  file += '\x00';
  appendLE(file, dict.size(), 2);
  return file + dict + rawBytes(*t.values);
}

uint32_t crc32Of(const std::string &data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

/// An uncompressed (STORED) zip of one .npy member per tensor, as
/// numpy.savez writes.
std::string npz(const std::vector<NamedTensor> &tensors) {
  std::string file, directory;
  for (const NamedTensor &t : tensors) {
    std::string name = std::string(t.name) + ".npy", data = npyImage(t);
    uint32_t crc = crc32Of(data), offset = file.size();
    auto common = [&](std::string &out) {
      appendLE(out, 20, 2);   // version needed to extract
      appendLE(out, 0, 2);    // flags
      appendLE(out, 0, 2);    // method: stored
      appendLE(out, 0, 2);    // time
      appendLE(out, 0x21, 2); // date: 1980-01-01
      appendLE(out, crc, 4);
      appendLE(out, data.size(), 4);
      appendLE(out, data.size(), 4);
      appendLE(out, name.size(), 2);
      appendLE(out, 0, 2); // extra field length
    };
    appendLE(file, 0x04034b50, 4);
    common(file);
    file += name + data;
    appendLE(directory, 0x02014b50, 4);
    appendLE(directory, 20, 2); // version made by
    common(directory);
    appendLE(directory, 0, 2); // comment length
    appendLE(directory, 0, 2); // disk number
    appendLE(directory, 0, 2); // internal attributes
    appendLE(directory, 0, 4); // external attributes
    appendLE(directory, offset, 4);
    directory += name;
  }
  uint32_t directoryOffset = file.size();
  file += directory;
  appendLE(file, 0x06054b50, 4);
  appendLE(file, 0, 2);
  appendLE(file, 0, 2);
  appendLE(file, tensors.size(), 2);
  appendLE(file, tensors.size(), 2);
  appendLE(file, directory.size(), 4);
  appendLE(file, directoryOffset, 4);
  appendLE(file, 0, 2);
  return file;
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), bytes.size());
  if (!out)
    fail("cannot write '" + path + "'");
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Spotlight decode test vectors with the naive "
                              "reference's answers\n");
  const int64_t B = batch, QH = queryHeads, KH = kvHeads, D = headDim,
                N = tokens;
  if (B <= 0 || QH <= 0 || KH <= 0 || N <= 0 || D <= 0 || D % 32 || QH % KH)
    fail("need positive --b, --qh, --kh, --n and --d, --d a multiple of 32 "
         "and --qh a multiple of --kh");
  if (codeHeads != "qh" && codeHeads != "kh")
    fail("--code-heads must be qh or kh");
  if (mode != "group" && mode != "head")
    fail("--mode must be group or head");
  if (weightsFormat != "safetensors" && weightsFormat != "npz")
    fail("--weights-format must be safetensors or npz");
  if (!omitWeight.empty() && !llvm::is_contained(
                                 {"w1", "b1", "w2", "b2"}, omitWeight.getValue()))
    fail("--omit-weight must be w1, b1, w2 or b2, got '" + omitWeight + "'");
  spotlight::ElementType elementType;
  if (!spotlight::parseElementType(dtype, elementType))
    fail("--dtype must be f32, f16 or bf16");
  const DType storage = spotlight::io::dtypeOf(elementType);
  const int64_t CH = codeHeads == "qh" ? QH : KH;
  const ref::Geometry g{B, QH, KH, D, CH};
  const int64_t G = g.group(), W = g.words(), C = g.keyCodesPerHead();

  ref::Selection selection;
  selection.headMode = mode == "head";
  selection.sink = sink;
  selection.window = window;
  selection.minCount = minBudget;
  {
    char *end = nullptr;
    double value = std::strtod(budget.c_str(), &end);
    if (budget.empty() || *end || !(value > 0))
      fail("--budget must be a positive count or fraction");
    if (budget.find_first_of(".eE") == std::string::npos)
      selection.count = static_cast<int64_t>(value);
    else
      selection.fraction = value;
  }
  // spotlight-run sizes the slots for max(--max-tokens, N) tokens.
  const int64_t M = sink + window +
                    ref::budgetFor(selection, std::max<int64_t>(maxTokens, N));
  const int64_t S = selection.headMode ? QH : KH;

  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    fail("cannot create '" + outDir + "': " + ec.message());

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  auto representable = [&](double x) {
    float f = static_cast<float>(x);
    return storage == DType::F32   ? f
           : storage == DType::F16 ? ref::f16ToFloat(ref::floatToF16(f))
                                   : ref::bf16ToFloat(ref::floatToBf16(f));
  };

  ref::HashWeights weights;
  auto fill = [&](std::vector<float> &v, int64_t n, double sd) {
    v.resize(n);
    for (float &x : v)
      x = static_cast<float>(sd * normal(rng));
  };
  fill(weights.w1, CH * D * D, 1 / std::sqrt(double(D)));
  fill(weights.b1, CH * D, 0.1);
  fill(weights.w2, CH * D * D, 1 / std::sqrt(double(D)));
  fill(weights.b2, CH * D, 0.1);

  // Draws `row` with `draw` until every code head in `heads` hashes it with
  // no pre-sign value within the margin; returns the number of redraws.
  std::vector<double> preSign;
  auto drawHashable = [&](float *row, const std::vector<int64_t> &heads,
                          const std::function<double(int64_t)> &draw) {
    for (int64_t attempt = 0; attempt < 1000; ++attempt) {
      for (int64_t d = 0; d < D; ++d)
        row[d] = representable(draw(d));
      bool clear = true;
      for (int64_t c : heads) {
        ref::encodeRow(row, weights, D, c, &preSign);
        for (double value : preSign)
          clear &= std::fabs(value) >= margin;
        if (!clear)
          break;
      }
      if (clear)
        return attempt;
    }
    fail("cannot draw a row with every hash bit clear of the margin");
  };

  std::vector<float> q(B * QH * D), k(B * KH * N * D), v(B * KH * N * D);
  int64_t redrawnQueries = 0, redrawnKeys = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t qh = 0; qh < QH; ++qh)
      redrawnQueries +=
          drawHashable(&q[(b * QH + qh) * D], {g.codeHeadOfQuery(qh)},
                       [&](int64_t) { return normal(rng); });
  for (float &x : v)
    x = representable(normal(rng));

  std::uniform_int_distribution<int64_t> position(0, N - 1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < KH; ++h) {
      std::vector<int64_t> heads;
      for (int64_t c = 0; c < C; ++c)
        heads.push_back(CH == QH ? h * G + c : h);
      std::vector<bool> planted(N, false);
      for (int64_t i = 0; i < std::max<int64_t>(1, N / 100); ++i)
        planted[position(rng)] = true;
      // A planted key lies near the sum of its group's queries.
      std::vector<double> groupSum(D, 0.0);
      for (int64_t j = 0; j < G; ++j)
        for (int64_t d = 0; d < D; ++d)
          groupSum[d] += q[(b * QH + h * G + j) * D + d];
      for (int64_t t = 0; t < N; ++t) {
        float *row = &k[((b * KH + h) * N + t) * D];
        if (planted[t])
          redrawnKeys += drawHashable(row, heads, [&](int64_t d) {
            return 2 * groupSum[d] / std::sqrt(double(G)) + 0.5 * normal(rng);
          });
        else
          redrawnKeys +=
              drawHashable(row, heads, [&](int64_t) { return normal(rng); });
      }
    }

  // Codes: queries [B, QH, W], keys [B, KH, N, C, W].
  std::vector<uint32_t> queryCodes(B * QH * W), keyCodes(B * KH * N * C * W);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t qh = 0; qh < QH; ++qh) {
      auto code = ref::encodeRow(&q[(b * QH + qh) * D], weights, D,
                                 g.codeHeadOfQuery(qh));
      std::copy(code.begin(), code.end(), &queryCodes[(b * QH + qh) * W]);
    }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < KH; ++h)
      for (int64_t t = 0; t < N; ++t)
        for (int64_t c = 0; c < C; ++c) {
          int64_t head = CH == QH ? h * G + c : h;
          auto code =
              ref::encodeRow(&k[((b * KH + h) * N + t) * D], weights, D, head);
          std::copy(code.begin(), code.end(),
                    &keyCodes[(((b * KH + h) * N + t) * C + c) * W]);
        }

  // Selection, then attention over the selected sets and over every token.
  std::vector<int32_t> indices(B * S * M, -1);
  std::vector<std::vector<int32_t>> sets(B * S);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      std::vector<int64_t> scores = ref::scoreRow(
          g, selection, queryCodes.data(), keyCodes.data(), N, b, s);
      sets[b * S + s] = ref::selectTokens(scores, selection);
      if (int64_t(sets[b * S + s].size()) > M)
        fail("the reference selected more tokens than the slots hold");
      std::copy(sets[b * S + s].begin(), sets[b * S + s].end(),
                &indices[(b * S + s) * M]);
    }
  std::vector<int32_t> everyToken(N);
  for (int64_t t = 0; t < N; ++t)
    everyToken[t] = t;
  std::vector<double> out(B * QH * D), dense(B * QH * D);
  const double scale = 1 / std::sqrt(double(D));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t qh = 0; qh < QH; ++qh) {
      int64_t h = qh / G, s = selection.headMode ? qh : h;
      const float *row = &q[(b * QH + qh) * D];
      const float *keys = &k[(b * KH + h) * N * D];
      const float *values = &v[(b * KH + h) * N * D];
      auto o = ref::attend(row, keys, values, D, sets[b * S + s], scale);
      auto od = ref::attend(row, keys, values, D, everyToken, scale);
      std::copy(o.begin(), o.end(), &out[(b * QH + qh) * D]);
      std::copy(od.begin(), od.end(), &dense[(b * QH + qh) * D]);
    }

  writeArray("q.npy", toArray(q, storage, {B, QH, D}));
  writeArray("k.npy", toArray(k, storage, {B, KH, N, D}));
  writeArray("v.npy", toArray(v, storage, {B, KH, N, D}));
  Array idx;
  idx.dtype = DType::I32;
  idx.shape = {B, S, M};
  idx.bytes.resize(indices.size() * 4);
  std::memcpy(idx.bytes.data(), indices.data(), idx.bytes.size());
  writeArray("expected_idx.npy", idx);
  writeArray("expected_out.npy", toArray(out, {B, QH, D}));
  writeArray("expected_dense.npy", toArray(dense, {B, QH, D}));
  std::vector<NamedTensor> tensors = {{"w1", &weights.w1, {CH, D, D}},
                                      {"b1", &weights.b1, {CH, D}},
                                      {"w2", &weights.w2, {CH, D, D}},
                                      {"b2", &weights.b2, {CH, D}}};
  tensors.erase(
      std::remove_if(tensors.begin(), tensors.end(),
                     [](const NamedTensor &t) { return t.name == omitWeight; }),
      tensors.end());
  if (weightsFormat == "npz")
    writeBytes(pathIn("w.npz"), npz(tensors));
  else
    writeBytes(pathIn("w.safetensors"), safetensors(tensors));

  llvm::outs() << "testgen   B=" << B << " QH=" << QH << " KH=" << KH
               << " D=" << D << " CH=" << CH << " " << dtype << ", " << N
               << " tokens, " << mode
               << " selection, budget k=" << ref::budgetFor(selection, N)
               << ", slots " << M << "\n"
               << "redrawn   " << redrawnQueries << " query rows, "
               << redrawnKeys << " key rows (hash margin "
               << llvm::format("%g", double(margin)) << ")\n";
  return 0;
}
