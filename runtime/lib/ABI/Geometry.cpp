//===- Geometry.cpp - The model geometry of a decode module ---------------===//

#include "spotlight/ABI/Geometry.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace spotlight {

int64_t DecodeGeometry::budgetFor(int64_t tokens) const {
  if (budgetCount > 0)
    return budgetCount;
  auto fraction = static_cast<int64_t>(
      std::floor(budgetFraction * static_cast<double>(tokens)));
  return std::max(minBudget, fraction);
}

int64_t DecodeGeometry::selectionSlots() const {
  return sink + window + budgetFor(maxTokens);
}

std::string DecodeGeometry::validate() const {
  std::ostringstream err;
  auto inRange = [](int64_t v, int64_t hi) { return v > 0 && v <= hi; };
  if (!inRange(batch, kMaxTokens) || !inRange(queryHeads, kMaxHeads) ||
      !inRange(kvHeads, kMaxHeads) || !inRange(headDim, kMaxHeadDim))
    err << "batch, query heads and KV heads (at most " << kMaxHeads
        << ") and head dim (at most " << kMaxHeadDim
        << ") must be positive; got B=" << batch << " QH=" << queryHeads
        << " KH=" << kvHeads << " D=" << headDim;
  else if (queryHeads % kvHeads != 0)
    err << "query heads (" << queryHeads << ") must be a multiple of KV heads ("
        << kvHeads << ")";
  else if (headDim % 32 != 0)
    err << "head dim (" << headDim << ") must be a multiple of 32";
  else if (codeHeads != queryHeads && codeHeads != kvHeads)
    err << "code heads (" << codeHeads << ") must equal query heads ("
        << queryHeads << ") or KV heads (" << kvHeads << ")";
  else if (!inRange(maxTokens, kMaxTokens))
    err << "max tokens must be in [1, " << kMaxTokens
        << "] (selected positions are i32), got " << maxTokens;
  else if (sink < 0 || window < 0 || minBudget < 0 || sink > maxTokens ||
           window > maxTokens || minBudget > maxTokens)
    err << "sink, window and min budget must be in [0, max tokens = "
        << maxTokens << "], got " << sink << ", " << window << ", "
        << minBudget;
  else if (budgetCount < 0 || budgetCount > maxTokens)
    err << "a budget count must be in [1, max tokens = " << maxTokens
        << "], got " << budgetCount;
  else if (budgetCount == 0 && !(budgetFraction > 0.0 && budgetFraction <= 1.0))
    err << "a budget fraction must be in (0, 1], got " << budgetFraction;
  else if (selectionSlots() > kMaxTokens)
    err << "sink + window + budget (" << selectionSlots()
        << " slots) must be at most " << kMaxTokens;
  else if (!inRange(pageSize, kMaxPageSize))
    err << "page size must be in [1, " << kMaxPageSize << "], got "
        << pageSize;
  else if (scale && !std::isfinite(*scale))
    err << "the attention scale must be finite";
  else if (target != "cpu" && target != "sm_80" && target != "sm_90")
    err << "target must be cpu, sm_80 or sm_90, got '" << target << "'";
  return err.str();
}


} // namespace spotlight
