//===- spotlight-npy-compare.cpp - Compare two .npy arrays for lit tests --===//
//
//   spotlight-npy-compare out.npy expected_out.npy --tolerance 1e-5
//   spotlight-npy-compare idx.npy expected_idx.npy --exact
//
// Reads two .npy arrays (f32, f16, '<u2' read as bf16, i32 or i64) of the
// same shape and prints one verdict line for FileCheck:
//
//   PASS relative error 3.1e-08 (tolerance 1e-05, 4096 elements)
//   PASS exact (96 elements)
//   FAIL ...                                      (and exits with 1)
//
// The relative error is ||actual - expected|| / ||expected|| (L2); a NaN or
// an infinity in either array fails. --exact compares every element for
// equality and names the first mismatch.
//
//===----------------------------------------------------------------------===//

#include "Reference/NaiveReference.h"
#include "spotlight/Support/IO/ArrayFile.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace spotlight;
namespace cl = llvm::cl;
using io::Array;
using io::DType;

namespace {
cl::OptionCategory category("spotlight-npy-compare options");
cl::opt<std::string> actualFile(cl::Positional, cl::Required,
                                cl::desc("<actual.npy>"), cl::cat(category));
cl::opt<std::string> expectedFile(cl::Positional, cl::Required,
                                  cl::desc("<expected.npy>"),
                                  cl::cat(category));
cl::opt<bool> exact("exact", cl::desc("Every element must be equal"),
                    cl::cat(category));
cl::opt<double> tolerance("tolerance",
                          cl::desc("Largest relative L2 error that passes"),
                          cl::init(1e-5), cl::cat(category));

Array read(const std::string &path) {
  Array a;
  std::string error;
  if (!io::readNpy(path, a, error)) {
    llvm::outs() << "FAIL cannot read '" << path << "': " << error << "\n";
    std::exit(1);
  }
  return a;
}

/// Element `i` of `a`; '<u2' arrays hold bf16.
double valueAt(const Array &a, int64_t i) {
  const unsigned char *p = a.bytes.data();
  switch (a.dtype) {
  case DType::F32: {
    float v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, p + 8 * i, 8);
    return static_cast<double>(v);
  }
  case DType::F16:
  case DType::BF16:
  case DType::U16: {
    uint16_t bits;
    std::memcpy(&bits, p + 2 * i, 2);
    return a.dtype == DType::F16 ? reference::f16ToFloat(bits)
                                 : reference::bf16ToFloat(bits);
  }
  }
  return 0;
}

std::string shapeOf(const Array &a) {
  std::string text = "[";
  for (size_t i = 0; i < a.shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(a.shape[i]);
  return text + "]";
}

/// The multi-index of flat element `i`.
std::string positionOf(const Array &a, int64_t i) {
  std::vector<int64_t> index(a.shape.size());
  for (size_t d = a.shape.size(); d-- > 0;) {
    index[d] = i % a.shape[d];
    i /= a.shape[d];
  }
  std::string text = "[";
  for (size_t d = 0; d < index.size(); ++d)
    text += (d ? "," : "") + std::to_string(index[d]);
  return text + "]";
}

std::string numberText(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

[[noreturn]] void verdictFail(const llvm::Twine &message) {
  llvm::outs() << "FAIL " << message << "\n";
  std::exit(1);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Compare two .npy arrays and print a verdict\n");
  if (!(tolerance >= 0) || std::isinf(tolerance)) {
    llvm::errs() << "spotlight-npy-compare: error: --tolerance must be a "
                    "finite number of at least 0, got "
                 << double(tolerance) << "\n";
    return 2;
  }
  Array actual = read(actualFile), expected = read(expectedFile);
  if (actual.shape != expected.shape)
    verdictFail("shape " + shapeOf(actual) + " of '" + actualFile +
                "' differs from " + shapeOf(expected) + " of '" + expectedFile +
                "'");
  const int64_t n = expected.numElements();

  if (exact) {
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < n; ++i)
      if (valueAt(actual, i) != valueAt(expected, i) && mismatches++ == 0)
        first = i;
    if (mismatches)
      verdictFail(llvm::Twine(mismatches) + " of " + llvm::Twine(n) +
                  " elements differ; first at " + positionOf(expected, first) +
                  ": " + numberText(valueAt(actual, first)) + " != " +
                  numberText(valueAt(expected, first)) + " (expected)");
    llvm::outs() << "PASS exact (" << n << " elements)\n";
    return 0;
  }

  double diff = 0, norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x = valueAt(actual, i), y = valueAt(expected, i);
    if (!std::isfinite(x) || !std::isfinite(y))
      verdictFail("non-finite value at " + positionOf(expected, i) + ": " +
                  numberText(x) + " vs " + numberText(y) + " (expected)");
    diff += (x - y) * (x - y);
    norm += y * y;
  }
  double error = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
  if (!(error < tolerance)) {
    llvm::outs() << llvm::format("FAIL relative error %.3e (tolerance %g, "
                                 "%lld elements)\n",
                                 error, double(tolerance), (long long)n);
    return 1;
  }
  llvm::outs() << llvm::format("PASS relative error %.3e (tolerance %g, "
                               "%lld elements)\n",
                               error, double(tolerance), (long long)n);
  return 0;
}
