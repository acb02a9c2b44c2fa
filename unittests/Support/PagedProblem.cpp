//===- PagedProblem.cpp - A ragged paged batch and its oracle -------------===//

#include "PagedProblem.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace spotlight::testing {

namespace {
HostTensor i32Tensor(std::vector<int64_t> shape,
                     const std::vector<int32_t> &values) {
  HostTensor tensor(std::move(shape), 4);
  std::copy(values.begin(), values.end(), tensor.as<int32_t>());
  return tensor;
}
} // namespace

PagedProblem::PagedProblem(DecodeGeometry g, int64_t pageSize,
                           std::vector<int64_t> lengthsIn, uint64_t seed,
                           bool codesFromKeys)
    : RandomHashWeights(g, seed), geometry(g), pageSize(pageSize),
      lengths(std::move(lengthsIn)), qT({1}, 4), kPoolT({1}, 4),
      vPoolT({1}, 4), codePoolT({1}, 4), blockTableT({1}, 4),
      seqLensT({1}, 4), queryCodesT({1}, 4), newKeysT({1}, 4),
      newValuesT({1}, 4), slotMappingT({1}, 4) {
  std::mt19937_64 rng(seed);
  geometry.batch = lengths.size();
  const int64_t B = geometry.batch, QH = g.queryHeads, KH = g.kvHeads,
                D = g.headDim, C = g.keyCodesPerHead(),
                W = g.codeWords();

  // Pages: each sequence's own, except that sequence 1 reuses the first page
  // of sequence 0 when both fill it (a shared prompt prefix); two spare
  // pages nobody owns; all in shuffled order.
  std::vector<int64_t> pagesOf(B);
  maxPages = 1;
  for (int64_t b = 0; b < B; ++b) {
    pagesOf[b] = (lengths[b] + pageSize - 1) / pageSize;
    maxPages = std::max(maxPages, pagesOf[b] + 1);
  }
  const bool sharePrefix =
      B >= 2 && lengths[0] >= pageSize && lengths[1] >= pageSize;
  pages = std::accumulate(pagesOf.begin(), pagesOf.end(), int64_t(2)) -
          (sharePrefix ? 1 : 0);
  std::vector<int32_t> order(pages);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  blockTable.assign(B * maxPages, -1);
  std::uniform_int_distribution<int32_t> anyPage(0, pages - 1);
  int64_t next = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t p = 0; p < maxPages; ++p) {
      int32_t &entry = blockTable[b * maxPages + p];
      if (p >= pagesOf[b])
        entry = b % 2 ? anyPage(rng) : -1; // ignored: garbage or -1
      else if (b == 1 && p == 0 && sharePrefix)
        entry = blockTable[0];
      else
        entry = order[next++];
    }

  // Pools: NaN everywhere, values in the slots a sequence owns.
  const int64_t slots = pages * pageSize;
  ownedSlots.assign(slots, false);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < lengths[b]; ++t)
      ownedSlots[slotOf(b, t)] = true;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  kPool.assign(slots * KH * D, nan);
  vPool.assign(slots * KH * D, nan);
  for (int64_t slot = 0; slot < slots; ++slot) {
    if (!ownedSlots[slot])
      continue;
    std::vector<float> k = gaussian(rng, KH * D), v = gaussian(rng, KH * D);
    std::copy(k.begin(), k.end(), kPool.begin() + slot * KH * D);
    std::copy(v.begin(), v.end(), vPool.begin() + slot * KH * D);
  }
  q = gaussian(rng, B * QH * D);
  qT = makeTensor({B, QH, D}, g.dtype, q);
  kPoolT = makeTensor({pages, pageSize, KH, D}, g.dtype, kPool);
  vPoolT = makeTensor({pages, pageSize, KH, D}, g.dtype, vPool);

  // Key codes: reference codes (or random words) where owned, random words
  // elsewhere.
  std::vector<int32_t> codes(slots * KH * C * W);
  std::uniform_int_distribution<uint32_t> word;
  for (int32_t &w : codes)
    w = static_cast<int32_t>(word(rng));
  if (codesFromKeys)
    for (int64_t slot = 0; slot < slots; ++slot)
      for (int64_t h = 0; ownedSlots[slot] && h < KH; ++h)
        for (int64_t c = 0; c < C; ++c) {
          std::vector<uint32_t> code = keyCode(slot, h, c);
          std::copy(code.begin(), code.end(),
                    codes.begin() + ((slot * KH + h) * C + c) * W);
        }
  codePoolT = i32Tensor({pages, pageSize, KH, C, W}, codes);
  blockTableT = i32Tensor({B, maxPages}, blockTable);
  std::vector<int32_t> seqLens(lengths.begin(), lengths.end());
  seqLensT = i32Tensor({B}, seqLens);

  reference::Geometry rg = referenceGeometry(geometry);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t qh = 0; qh < QH; ++qh) {
      std::vector<uint32_t> code =
          reference::encodeRow(q.data() + (b * QH + qh) * D, hashWeights,
                               D, rg.codeHeadOfQuery(qh));
      queryCodes.insert(queryCodes.end(), code.begin(), code.end());
    }
  queryCodesT = i32Tensor({B, QH, 1, W}, std::vector<int32_t>(
                                             queryCodes.begin(),
                                             queryCodes.end()));

  // The writes that fill the owned slots, in shuffled order, with three
  // rows to skip (slot -1) holding values that must not land anywhere.
  for (int64_t slot = 0; slot < slots; ++slot)
    if (ownedSlots[slot])
      slotMapping.push_back(slot);
  slotMapping.insert(slotMapping.end(), 3, -1);
  std::shuffle(slotMapping.begin(), slotMapping.end(), rng);
  const int64_t T = slotMapping.size();
  std::vector<float> newKeys = gaussian(rng, T * KH * D),
                     newValues = gaussian(rng, T * KH * D);
  for (int64_t i = 0; i < T; ++i) {
    if (slotMapping[i] < 0)
      continue;
    const int64_t at = slotMapping[i] * KH * D;
    std::copy(kPool.begin() + at, kPool.begin() + at + KH * D,
              newKeys.begin() + i * KH * D);
    std::copy(vPool.begin() + at, vPool.begin() + at + KH * D,
              newValues.begin() + i * KH * D);
  }
  newKeysT = makeTensor({T, KH, D}, g.dtype, newKeys);
  newValuesT = makeTensor({T, KH, D}, g.dtype, newValues);
  slotMappingT = i32Tensor({T}, slotMapping);
}

int64_t PagedProblem::slotOf(int64_t b, int64_t t) const {
  return int64_t(blockTable[b * maxPages + t / pageSize]) * pageSize +
         t % pageSize;
}

std::vector<uint32_t> PagedProblem::keyCode(int64_t slot, int64_t h,
                                            int64_t c) const {
  const DecodeGeometry &g = geometry;
  const int64_t codeHead = g.codeHeads == g.queryHeads ? h * g.group() + c : h;
  return reference::encodeRow(kPool.data() + (slot * g.kvHeads + h) * g.headDim,
                              hashWeights, g.headDim, codeHead);
}

std::vector<int32_t> PagedProblem::selection(int64_t b, int64_t s) const {
  // The sequence's key codes gathered into the contiguous [1, KH, N, C, W]
  // layout the reference scores.
  const DecodeGeometry &g = geometry;
  const int64_t KH = g.kvHeads, C = g.keyCodesPerHead(), W = g.codeWords();
  const int64_t n = lengths[b];
  const int32_t *pool = codePoolT.as<int32_t>();
  std::vector<uint32_t> gathered(KH * n * C * W);
  for (int64_t h = 0; h < KH; ++h)
    for (int64_t t = 0; t < n; ++t)
      std::copy(pool + (slotOf(b, t) * KH + h) * C * W,
                pool + (slotOf(b, t) * KH + h + 1) * C * W,
                gathered.begin() + (h * n + t) * C * W);
  reference::Geometry rg = referenceGeometry(g);
  rg.batch = 1;
  std::vector<int64_t> scores =
      reference::scoreRow(rg, referenceSelection(g),
                          queryCodes.data() + b * g.queryHeads * W,
                          gathered.data(), n, /*b=*/0, s);
  return reference::selectTokens(scores, referenceSelection(g));
}

std::vector<int32_t> PagedProblem::expectedIndices() const {
  const int64_t S = geometry.selectionSets(), M = geometry.selectionSlots();
  std::vector<int32_t> indices(geometry.batch * S * M, -1);
  for (int64_t b = 0; b < geometry.batch; ++b)
    for (int64_t s = 0; s < S; ++s) {
      std::vector<int32_t> set = selection(b, s);
      std::copy(set.begin(), set.begin() + std::min<int64_t>(set.size(), M),
                indices.begin() + (b * S + s) * M);
    }
  return indices;
}

std::vector<double>
PagedProblem::attention(int64_t b, int64_t qh,
                        const std::vector<int32_t> &set) const {
  const DecodeGeometry &g = geometry;
  const int64_t D = g.headDim, h = qh / g.group();
  // The sequence's rows of KV head h in logical order.
  std::vector<float> keys(lengths[b] * D), values(lengths[b] * D);
  for (int64_t t = 0; t < lengths[b]; ++t) {
    const int64_t at = (slotOf(b, t) * g.kvHeads + h) * D;
    std::copy(kPool.begin() + at, kPool.begin() + at + D,
              keys.begin() + t * D);
    std::copy(vPool.begin() + at, vPool.begin() + at + D,
              values.begin() + t * D);
  }
  if (set.empty())
    return std::vector<double>(D, 0.0);
  const double scale = g.scale ? *g.scale : 1.0 / std::sqrt(double(D));
  return reference::attend(q.data() + (b * g.queryHeads + qh) * D,
                           keys.data(), values.data(), D, set, scale);
}

std::vector<double> PagedProblem::sparseOutput() const {
  const DecodeGeometry &g = geometry;
  std::vector<double> out;
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t qh = 0; qh < g.queryHeads; ++qh) {
      std::vector<double> row =
          attention(b, qh, selection(b, g.headMode ? qh : qh / g.group()));
      out.insert(out.end(), row.begin(), row.end());
    }
  return out;
}

std::vector<double> PagedProblem::denseOutput() const {
  const DecodeGeometry &g = geometry;
  std::vector<double> out;
  for (int64_t b = 0; b < g.batch; ++b) {
    std::vector<int32_t> all(lengths[b]);
    std::iota(all.begin(), all.end(), 0);
    for (int64_t qh = 0; qh < g.queryHeads; ++qh) {
      std::vector<double> row = attention(b, qh, all);
      out.insert(out.end(), row.begin(), row.end());
    }
  }
  return out;
}

std::vector<double> PagedProblem::denseLogSumExp() const {
  const DecodeGeometry &g = geometry;
  const int64_t D = g.headDim;
  const double scale = g.scale ? *g.scale : 1.0 / std::sqrt(double(D));
  std::vector<double> out;
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t qh = 0; qh < g.queryHeads; ++qh) {
      const float *query = q.data() + (b * g.queryHeads + qh) * D;
      const int64_t h = qh / g.group();
      std::vector<double> logits;
      for (int64_t t = 0; t < lengths[b]; ++t) {
        const float *key = kPool.data() + (slotOf(b, t) * g.kvHeads + h) * D;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d)
          dot += double(query[d]) * double(key[d]);
        logits.push_back(scale * dot);
      }
      if (logits.empty()) {
        out.push_back(-INFINITY);
        continue;
      }
      const double top = *std::max_element(logits.begin(), logits.end());
      double sum = 0;
      for (double l : logits)
        sum += std::exp(l - top);
      out.push_back(top + std::log(sum));
    }
  return out;
}

} // namespace spotlight::testing
