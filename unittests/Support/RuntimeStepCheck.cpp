//===- RuntimeStepCheck.cpp - One runtime decode step vs the oracle -------===//

#include "RuntimeStepCheck.h"

#include "DecodeProblem.h"
#include "RuntimeTensors.h"

#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <mutex>
#include <numeric>
#include <random>

namespace spotlight::testing {

bool Findings::ok(spt_status status, const char *call) {
  if (status == SPT_OK)
    return true;
  if (firstFailure == SPT_OK)
    firstFailure = status;
  problems.push_back(std::string(call) + ": " + spt_status_name(status) + ": " +
                     spt_last_error());
  return false;
}

std::string Findings::report() const {
  std::string text;
  for (const std::string &problem : problems)
    text += problem + "\n";
  return text;
}

namespace {
/// Tokens [at, at + n) of sequence b of a [B, KH, T, D] tensor, as the
/// [KH, n, D] tensor that spt_cache_append takes.
HostTensor tokenSlice(const HostTensor &all, int64_t elementBytes, int64_t b,
                      int64_t at, int64_t n) {
  const int64_t KH = all.shape()[1], T = all.shape()[2], D = all.shape()[3];
  HostTensor slice({KH, n, D}, elementBytes);
  const char *from = static_cast<const char *>(all.data());
  char *to = static_cast<char *>(slice.data());
  const int64_t row = D * elementBytes;
  for (int64_t h = 0; h < KH; ++h)
    std::memcpy(to + h * n * row, from + ((b * KH + h) * T + at) * row,
                n * row);
  return slice;
}

/// Appends sequence b in chunks of the given sizes, so that appends after
/// the first are exercised (a one-token chunk is a decoding step's).
void appendInChunks(spt_cache *cache, DecodeProblem &problem, int64_t b,
                    const std::vector<int64_t> &chunks, Findings &findings) {
  const ElementType type = problem.geometry.dtype;
  const int64_t bytes = elementTypeBytes(type);
  int64_t at = 0;
  for (int64_t n : chunks) {
    HostTensor k = tokenSlice(problem.kT, bytes, b, at, n);
    HostTensor v = tokenSlice(problem.vT, bytes, b, at, n);
    spt_tensor kv = tensorOf(k, dtypeOf(type)), vv = tensorOf(v, dtypeOf(type));
    if (!findings.ok(spt_cache_append(cache, b, &kv, &vv), "spt_cache_append"))
      return;
    at += n;
  }
  int64_t length = -1;
  if (findings.ok(spt_cache_length(cache, b, &length), "spt_cache_length") &&
      length != at)
    findings.problems.push_back("sequence " + std::to_string(b) + " holds " +
                                std::to_string(length) + " tokens, not " +
                                std::to_string(at));
}

/// Redraws the query rows of `problem` until no bit of their reference code
/// is ambiguous, so the reference query codes are the device's exactly (as
/// RuntimeTest does). Returns the codes, [B, QH, W].
std::vector<uint32_t> clearQueries(DecodeProblem &problem,
                                   const reference::HashWeights &weights,
                                   std::mt19937_64 &rng) {
  const DecodeGeometry &g = problem.geometry;
  const int64_t D = g.headDim, W = g.codeWords(), QH = g.queryHeads;
  reference::Geometry rg = referenceGeometry(g);
  std::normal_distribution<float> normal(0, 1);
  std::vector<uint32_t> codes(g.batch * QH * W);
  for (int64_t row = 0; row < g.batch * QH; ++row) {
    for (;;) {
      std::vector<float> x(D);
      for (float &value : x)
        value = normal(rng);
      makeTensor({D}, g.dtype, x); // rounds x to the element type
      std::vector<double> preSign;
      auto code = reference::encodeRow(x.data(), weights, D,
                                       rg.codeHeadOfQuery(row % QH), &preSign);
      if (std::all_of(preSign.begin(), preSign.end(), [](double p) {
            return std::abs(p) >= kAmbiguousMargin;
          })) {
        std::copy(x.begin(), x.end(), problem.q.begin() + row * D);
        std::copy(code.begin(), code.end(), codes.begin() + row * W);
        break;
      }
    }
  }
  problem.qT = makeTensor({g.batch, QH, D}, g.dtype, problem.q);
  return codes;
}

/// The stored key codes of sequence b must be the reference's, bit for
/// bit, except where the pre-sign value is ambiguous. Returns how many
/// ambiguous bits differed.
int64_t checkKeyCodes(const DecodeProblem &problem,
                      const reference::HashWeights &weights, int64_t b,
                      int64_t n, const uint32_t *codes, Findings &findings) {
  const DecodeGeometry &g = problem.geometry;
  const int64_t D = g.headDim, W = g.codeWords(), C = g.keyCodesPerHead();
  std::atomic<int64_t> ambiguous{0}, wrong{0};
  std::mutex firstLock;
  std::string first;
  // The naive key codes are the slowest part of the check: use every core.
  llvm::parallelFor(0, g.kvHeads * n, [&](size_t index) {
    const int64_t row = static_cast<int64_t>(index);
    const int64_t h = row / n, t = row % n;
    const float *key =
        problem.k.data() + ((b * g.kvHeads + h) * problem.tokens + t) * D;
    for (int64_t c = 0; c < C; ++c) {
      std::vector<double> preSign;
      int64_t codeHead = C == 1 ? h : h * g.group() + c;
      auto expected = reference::encodeRow(key, weights, D, codeHead, &preSign);
      const uint32_t *actual = codes + (row * C + c) * W;
      for (int64_t bit = 0; bit < D; ++bit) {
        if (!(((actual[bit / 32] ^ expected[bit / 32]) >> (bit % 32)) & 1))
          continue;
        if (std::abs(preSign[bit]) < kAmbiguousMargin) {
          ++ambiguous;
          continue;
        }
        if (wrong++ == 0) {
          std::lock_guard<std::mutex> lock(firstLock);
          first = "b=" + std::to_string(b) + " h=" + std::to_string(h) +
                  " t=" + std::to_string(t) + " code " + std::to_string(c) +
                  " bit " + std::to_string(bit);
        }
      }
    }
  });
  if (wrong)
    findings.problems.push_back(std::to_string(wrong.load()) +
                                " key code bits wrong (first: " + first + ")");
  return ambiguous;
}

/// Says how a returned set differs from the reference's: how many tokens,
/// and whether their scores match (then only the tie rule differs).
std::string describeSetMismatch(const std::vector<int32_t> &actual,
                                const std::vector<int32_t> &expected,
                                const std::vector<int64_t> &scores) {
  std::vector<int32_t> got;
  for (int32_t t : actual)
    if (t >= 0)
      got.push_back(t);
  std::vector<int32_t> missing, extra;
  std::vector<int32_t> sortedGot = got;
  std::sort(sortedGot.begin(), sortedGot.end());
  std::set_difference(expected.begin(), expected.end(), sortedGot.begin(),
                      sortedGot.end(), std::back_inserter(missing));
  std::set_difference(sortedGot.begin(), sortedGot.end(), expected.begin(),
                      expected.end(), std::back_inserter(extra));
  auto scoreSum = [&](const std::vector<int32_t> &set) {
    int64_t sum = 0;
    for (int32_t t : set)
      sum += t < static_cast<int32_t>(scores.size()) ? scores[t] : -1000000;
    return sum;
  };
  std::string text = std::to_string(got.size()) + " returned, " +
                     std::to_string(expected.size()) + " expected, " +
                     std::to_string(missing.size()) + " missing, " +
                     std::to_string(extra.size()) + " extra";
  if (!missing.empty() && !extra.empty())
    text += " (first missing " + std::to_string(missing[0]) + ", first extra " +
            std::to_string(extra[0]) + ")";
  if (missing.empty() && extra.empty())
    text += " (same tokens: order or padding differs)";
  else if (missing.size() == extra.size() &&
           scoreSum(missing) == scoreSum(extra))
    text += " (equal scores: only the tie rule differs)";
  return text;
}

/// The reference sets of sequence b, from the stored codes and the query
/// codes; the returned rows [S, M] must equal them exactly (ascending, -1
/// padded).
std::vector<std::vector<int32_t>>
checkSelection(const DecodeGeometry &g, const std::vector<uint32_t> &queryCodes,
               const uint32_t *codes, int64_t b, int64_t n,
               const int32_t *indices, Findings &findings) {
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  const int64_t QH = g.queryHeads, W = g.codeWords();
  reference::Selection rs = referenceSelection(g);
  reference::Geometry one{1, QH, g.kvHeads, g.headDim, g.codeHeads};
  std::vector<std::vector<int32_t>> sets;
  for (int64_t s = 0; s < S; ++s) {
    auto scores = reference::scoreRow(one, rs, queryCodes.data() + b * QH * W,
                                      codes, n, 0, s);
    auto expected = reference::selectTokens(scores, rs);
    std::vector<int32_t> actual(indices + s * M, indices + (s + 1) * M),
        padded = expected;
    padded.resize(M, -1);
    if (actual != padded)
      findings.problems.push_back(
          "selection of sequence " + std::to_string(b) + " set " +
          std::to_string(s) + ": " +
          describeSetMismatch(actual, expected, scores));
    sets.push_back(std::move(expected));
  }
  return sets;
}

/// Device outputs and reference outputs, flattened over the batch.
struct Outputs {
  std::vector<double> sparse, sparseRef, dense, denseRef;
};

/// Appends sequence b's outputs and their references over `sets` (sparse)
/// and over all n tokens (dense).
void collectOutputs(const DecodeProblem &problem, int64_t b, int64_t n,
                    const std::vector<std::vector<int32_t>> &sets,
                    const HostTensor &sparse, const HostTensor &dense,
                    Outputs &outputs) {
  const DecodeGeometry &g = problem.geometry;
  const int64_t QH = g.queryHeads, D = g.headDim;
  std::vector<int32_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  for (int64_t qh = 0; qh < QH; ++qh) {
    auto s = problem.attention(b, qh, sets[g.headMode ? qh : qh / g.group()]);
    auto d = problem.attention(b, qh, all);
    outputs.sparseRef.insert(outputs.sparseRef.end(), s.begin(), s.end());
    outputs.denseRef.insert(outputs.denseRef.end(), d.begin(), d.end());
    for (int64_t i = 0; i < D; ++i) {
      int64_t at = (b * QH + qh) * D + i;
      outputs.sparse.push_back(readElement(sparse, g.dtype, at));
      outputs.dense.push_back(readElement(dense, g.dtype, at));
    }
  }
}

/// What one decode step returned for every sequence.
struct Step {
  HostTensor sparse, dense, indices;
};

/// Runs spt_decode, spt_decode_dense and spt_select once; retrieval alone
/// must select what the full step selected.
bool runStep(spt_cache *cache, DecodeProblem &problem, Step &step,
             Findings &findings) {
  const DecodeGeometry &g = problem.geometry;
  const spt_dtype dt = dtypeOf(g.dtype);
  HostTensor selected(step.indices.shape(), 4);
  spt_tensor qv = tensorOf(problem.qT, dt), ov = tensorOf(step.sparse, dt),
             dv = tensorOf(step.dense, dt),
             iv = tensorOf(step.indices, SPT_I32),
             sv = tensorOf(selected, SPT_I32);
  if (!findings.ok(spt_decode(cache, &qv, &ov, &iv), "spt_decode") ||
      !findings.ok(spt_decode_dense(cache, &qv, &dv), "spt_decode_dense") ||
      !findings.ok(spt_select(cache, &qv, &sv), "spt_select"))
    return false;
  const int32_t *returned = step.indices.as<int32_t>();
  if (!std::equal(returned, returned + step.indices.numElements(),
                  selected.as<int32_t>()))
    findings.problems.push_back("spt_select differs from spt_decode's indices");
  return true;
}

/// Checks the stored codes, the selection and the outputs of every
/// sequence against the reference.
void checkStep(spt_cache *cache, const DecodeProblem &problem,
               const reference::HashWeights &weights,
               const std::vector<uint32_t> &queryCodes,
               const std::vector<int64_t> &lengths, const Step &step,
               Findings &findings) {
  const DecodeGeometry &g = problem.geometry;
  const int64_t KH = g.kvHeads, C = g.keyCodesPerHead(), W = g.codeWords();
  const int64_t SM = g.selectionSets() * g.selectionSlots();
  Outputs outputs;
  int64_t ambiguous = 0;
  for (int64_t b = 0; b < g.batch; ++b) {
    const int64_t n = lengths[b];
    HostTensor codes({KH, n, C, W}, 4);
    spt_tensor cv = tensorOf(codes, SPT_I32);
    if (!findings.ok(spt_cache_read_codes(cache, b, &cv),
                     "spt_cache_read_codes"))
      return;
    ambiguous +=
        checkKeyCodes(problem, weights, b, n, codes.as<uint32_t>(), findings);
    auto sets = checkSelection(g, queryCodes, codes.as<uint32_t>(), b, n,
                               step.indices.as<int32_t>() + b * SM, findings);
    collectOutputs(problem, b, n, sets, step.sparse, step.dense, outputs);
  }

  const double tolerance = g.dtype == ElementType::F32 ? 1e-5 : 1e-2;
  double sparseError = relativeError(outputs.sparse, outputs.sparseRef);
  double denseError = relativeError(outputs.dense, outputs.denseRef);
  char text[160];
  std::snprintf(text, sizeof(text),
                "sparse err %.1e, dense err %.1e (tol %.0e), %lld ambiguous "
                "key bits differ",
                sparseError, denseError, tolerance, (long long)ambiguous);
  findings.measured = text;
  // `!(x < tol)` so that a NaN fails too.
  if (!(sparseError < tolerance))
    findings.problems.push_back("sparse output over the tolerance");
  if (!(denseError < tolerance))
    findings.problems.push_back("dense output over the tolerance");
}

} // namespace

Findings checkDecodeStep(spt_artifact *artifact, spt_device device,
                         DecodeGeometry g,
                         const std::vector<std::vector<int64_t>> &chunks,
                         uint64_t seed) {
  Findings findings;
  g.batch = static_cast<int64_t>(chunks.size());
  std::vector<int64_t> lengths;
  for (const std::vector<int64_t> &sizes : chunks)
    lengths.push_back(std::accumulate(sizes.begin(), sizes.end(), int64_t(0)));
  const int64_t capacity = *std::max_element(lengths.begin(), lengths.end());
  DecodeProblem problem(g, capacity, seed);
  const reference::HashWeights weights{problem.w1, problem.b1, problem.w2,
                                       problem.b2};
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  std::vector<uint32_t> queryCodes = clearQueries(problem, weights, rng);
  const spt_dtype wt = dtypeOf(g.weightType);
  spt_tensor w1 = tensorOf(problem.w1T, wt), b1 = tensorOf(problem.b1T, wt),
             w2 = tensorOf(problem.w2T, wt), b2 = tensorOf(problem.b2T, wt);
  spt_cache *cache = nullptr;
  if (!findings.ok(spt_cache_create(artifact, device, g.batch, capacity, &w1,
                                    &b1, &w2, &b2, &cache),
                   "spt_cache_create"))
    return findings;
  for (int64_t b = 0; b < g.batch && findings.problems.empty(); ++b)
    appendInChunks(cache, problem, b, chunks[b], findings);
  const int64_t bytes = elementTypeBytes(g.dtype);
  Step step{HostTensor({g.batch, g.queryHeads, g.headDim}, bytes),
            HostTensor({g.batch, g.queryHeads, g.headDim}, bytes),
            HostTensor({g.batch, g.selectionSets(), g.selectionSlots()}, 4)};
  if (findings.problems.empty() && runStep(cache, problem, step, findings))
    checkStep(cache, problem, weights, queryCodes, lengths, step, findings);
  spt_cache_free(cache);
  return findings;
}

} // namespace spotlight::testing
