//===- RuntimeStepCheck.h - One runtime decode step vs the oracle -*- C++ -*-//
//
// The check of a decode step through the C API, shared by RuntimeTest and
// the device check (bench/gpu): fill a cache in chunks, run spt_decode,
// spt_decode_dense and spt_select once, and compare against the naive
// reference:
//   key codes  the reference's bit for bit, except bits whose pre-sign
//              value is within rounding noise of 0
//   selection  exactly the reference's sets on the stored codes (queries
//              are redrawn until their codes have no ambiguous bit)
//   outputs    within the SEMANTICS.md tolerances (1e-5 f32, 1e-2 bf16)
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMESTEPCHECK_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMESTEPCHECK_H

#include "spotlight/ABI/Geometry.h"
#include "spotlight/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::testing {

/// Bits of a code whose pre-sign value is this close to 0 may differ
/// between correct f32 implementations.
constexpr double kAmbiguousMargin = 1e-3;

/// What a check found wrong (empty when it passed) and what it measured.
struct Findings {
  std::vector<std::string> problems;
  std::string measured;
  /// The status of the first runtime call that failed, SPT_OK if none.
  spt_status firstFailure = SPT_OK;

  /// Records a failed runtime call; returns whether the call succeeded.
  bool ok(spt_status status, const char *call);
  /// Every problem, one per line.
  std::string report() const;
};

/// Checks one decode step of `geometry` (its batch = chunks.size()) on
/// `device`: sequence b is appended in chunks of the sizes chunks[b].
Findings checkDecodeStep(spt_artifact *artifact, spt_device device,
                         DecodeGeometry geometry,
                         const std::vector<std::vector<int64_t>> &chunks,
                         uint64_t seed);

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMESTEPCHECK_H
