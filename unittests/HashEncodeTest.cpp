//===- HashEncodeTest.cpp - hash_encode alone vs the naive oracle ---------===//
//
// spotlight.hash_encode by itself, in every lowering, on the row counts
// where a blocked GEMM has edges: fewer rows than a tile, a tile plus
// one, a chunk (96) minus, plus and twice over, and in both input forms:
//   tokens  [T, H, D]     the paged write's new keys (and queries): the T
//                         rows of a head strided by H
//   keys    [B, H, N, D]  the contiguous cache: N rows of a head in a run
// and every code-head layout: CH = H * C (CH = QH for keys, C > 1), CH = H,
// CH < H (CH = KH for queries). Every bit must equal the reference's,
// except bits whose pre-sign value is within rounding of 0.
//
//===----------------------------------------------------------------------===//

#include "Support/DecodeProblem.h"
#include "Support/JitHelpers.h"

#include <gtest/gtest.h>

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace spotlight;
using namespace spotlight::testing;

namespace {

/// Bits closer to 0 than this (pre-sign) may flip under f32 rounding.
constexpr double kAmbiguousMargin = 1e-3;

struct HashCase {
  const char *name;
  bool keysForm; ///< [B, H, N, D] (B = 2), else [T, H, D]
  int64_t heads, codeHeads, headDim;
  ElementType inputType, weightType;
};

int64_t codesPerHead(const HashCase &c) {
  return c.codeHeads >= c.heads ? c.codeHeads / c.heads : 1;
}

/// The code head of code `code` of head `h` (hash_encode's definition).
int64_t codeHeadOf(const HashCase &c, int64_t h, int64_t code) {
  if (c.codeHeads >= c.heads)
    return h * codesPerHead(c) + code;
  return h / (c.heads / c.codeHeads);
}

std::string moduleText(const HashCase &c) {
  const int64_t H = c.heads, CH = c.codeHeads, D = c.headDim;
  const std::string x = elementTypeName(c.inputType),
                    w = elementTypeName(c.weightType);
  const std::string rows = c.keysForm ? "?x{0}x?" : "?x{0}";
  const std::string input =
      llvm::formatv((rows + "x{1}x{2}").c_str(), H, D, x).str();
  const std::string codes =
      llvm::formatv((rows + "x{1}x{2}xi32").c_str(), H, codesPerHead(c), D / 32)
          .str();
  return llvm::formatv(R"mlir(
    func.func @hash(%x: memref<{0}>, %w1: memref<{1}x{2}x{2}x{3}>,
        %b1: memref<{1}x{2}x{3}>, %w2: memref<{1}x{2}x{2}x{3}>,
        %b2: memref<{1}x{2}x{3}>, %codes: memref<{4}>)
        attributes {{llvm.emit_c_interface} {{
      spotlight.hash_encode ins(%x, %w1, %b1, %w2, %b2 : memref<{0}>,
          memref<{1}x{2}x{2}x{3}>, memref<{1}x{2}x{3}>,
          memref<{1}x{2}x{2}x{3}>, memref<{1}x{2}x{3}>)
          outs(%codes : memref<{4}>)
      return
    })mlir",
                       input, CH, D, w, codes)
      .str();
}

/// Runs `jit` (moduleText(c)) on every row count with fresh random rows
/// and weights, and checks each code bit against the reference.
void expectEveryRowCountMatches(JitModule &jit, const HashCase &c) {
  const int64_t H = c.heads, CH = c.codeHeads, D = c.headDim, W = D / 32,
                C = codesPerHead(c), B = c.keysForm ? 2 : 1;
  for (int64_t n : {1, 5, 6, 7, 11, 13, 95, 96, 97, 193, 257}) {
    const uint64_t seed = freshSeed();
    SCOPED_TRACE("rows=" + std::to_string(n) + " seed=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const float scale = 1.0f / std::sqrt(float(D));
    std::vector<float> w1 = gaussian(rng, CH * D * D, scale),
                       b1 = gaussian(rng, CH * D, 0.1f),
                       w2 = gaussian(rng, CH * D * D, scale),
                       b2 = gaussian(rng, CH * D, 0.1f),
                       x = gaussian(rng, B * H * n * D);
    HostTensor w1T = makeTensor({CH, D, D}, c.weightType, w1),
               b1T = makeTensor({CH, D}, c.weightType, b1),
               w2T = makeTensor({CH, D, D}, c.weightType, w2),
               b2T = makeTensor({CH, D}, c.weightType, b2);
    std::vector<int64_t> xShape = c.keysForm ? std::vector<int64_t>{B, H, n, D}
                                             : std::vector<int64_t>{n, H, D};
    std::vector<int64_t> codesShape = c.keysForm
                                          ? std::vector<int64_t>{B, H, n, C, W}
                                          : std::vector<int64_t>{n, H, C, W};
    HostTensor xT = makeTensor(xShape, c.inputType, x);
    HostTensor codesT(codesShape, 4);
    call(jit, "hash", {&xT, &w1T, &b1T, &w2T, &b2T, &codesT});

    const reference::HashWeights weights{w1, b1, w2, b2};
    int64_t flips = 0;
    std::vector<double> preSign;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t t = 0; t < n; ++t) {
          // Row (b, h, t) of x and of the codes, in either form.
          const int64_t row = c.keysForm ? (b * H + h) * n + t : t * H + h;
          for (int64_t code = 0; code < C; ++code) {
            std::vector<uint32_t> expected =
                reference::encodeRow(x.data() + row * D, weights, D,
                                     codeHeadOf(c, h, code), &preSign);
            const uint32_t *actual =
                codesT.as<uint32_t>() + (row * C + code) * W;
            for (int64_t bit = 0; bit < D; ++bit) {
              bool a = (actual[bit / 32] >> (bit % 32)) & 1;
              bool e = (expected[bit / 32] >> (bit % 32)) & 1;
              if (a == e)
                continue;
              EXPECT_LT(std::abs(preSign[bit]), kAmbiguousMargin)
                  << "b " << b << " head " << h << " row " << t << " code "
                  << code << " bit " << bit << " pre-sign " << preSign[bit];
              ++flips;
            }
          }
        }
    const int64_t bits = B * H * n * C * D;
    EXPECT_LE(flips, 2 + bits / 200000) << "too many ambiguous code bits";
  }
}

class HashEncodeTest
    : public ::testing::TestWithParam<std::tuple<Lowering, HashCase>> {};

TEST_P(HashEncodeTest, EveryRowCountMatchesTheReference) {
  const HashCase &c = std::get<1>(GetParam());
  expectEveryRowCountMatches(
      compiledText(moduleText(c), std::get<0>(GetParam())), c);
}

/// The CPU lowering's register tiles for each vector ISA (by CPU name):
/// 6 x 64 or 12 x 32 on AVX-512, 2 x 32 on AVX2, 1 x 32 generic.
class HashEncodeCPUPathTest
    : public ::testing::TestWithParam<std::tuple<std::string, HashCase>> {};

TEST_P(HashEncodeCPUPathTest, EveryRowCountMatchesTheReference) {
  const std::string cpu = std::get<0>(GetParam());
  if (!hostRunsCPUPath(cpu))
    GTEST_SKIP() << cpu << "'s code needs AVX512_BF16, which this CPU lacks";
  const HashCase &c = std::get<1>(GetParam());
  expectEveryRowCountMatches(compiledForCPU(moduleText(c), cpu), c);
}

constexpr ElementType F32 = ElementType::F32, F16 = ElementType::F16,
                      BF16 = ElementType::BF16;

INSTANTIATE_TEST_SUITE_P(
    Layouts, HashEncodeTest,
    ::testing::Combine(
        ::testing::Values(Lowering::Reference, Lowering::CPU,
                          Lowering::GPUEmulation),
        ::testing::Values(
            // name, keys form, H, CH, D, input type, weight type
            HashCase{"tokens_chqh_d128_bf16", false, 4, 28, 128, BF16, F32},
            HashCase{"tokens_chkh_d64_f32", false, 2, 2, 64, F32, F32},
            HashCase{"queries_chkh_d128_f16", false, 8, 2, 128, F16, BF16},
            HashCase{"keys_chqh_d64_bf16", true, 2, 8, 64, BF16, F32},
            HashCase{"keys_chkh_d128_f32", true, 2, 2, 128, F32, F16},
            HashCase{"tokens_chqh_d96_f16", false, 2, 4, 96, F16, BF16},
            HashCase{"keys_d32_f32", true, 1, 1, 32, F32, F32},
            HashCase{"tokens_chkh_d256_bf16", false, 2, 2, 256, BF16, F32},
            HashCase{"tokens_chkh_d160_f32", false, 1, 1, 160, F32, F32})),
    [](const ::testing::TestParamInfo<std::tuple<Lowering, HashCase>> &info) {
      return loweringName(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param).name;
    });

INSTANTIATE_TEST_SUITE_P(
    Tiles, HashEncodeCPUPathTest,
    ::testing::Combine(
        ::testing::ValuesIn(cpuPathNames()),
        ::testing::Values(
            HashCase{"tokens_chqh_d128_bf16", false, 4, 28, 128, BF16, F32},
            HashCase{"tokens_chqh_d96_f16", false, 2, 4, 96, F16, BF16},
            HashCase{"keys_chqh_d64_bf16", true, 2, 8, 64, BF16, F32},
            HashCase{"tokens_chkh_d160_f32", false, 1, 1, 160, F32, F32})),
    [](const ::testing::TestParamInfo<std::tuple<std::string, HashCase>>
           &info) {
      std::string cpu = std::get<0>(info.param);
      std::replace(cpu.begin(), cpu.end(), '-', '_');
      return cpu + "_" + std::get<1>(info.param).name;
    });

} // namespace
