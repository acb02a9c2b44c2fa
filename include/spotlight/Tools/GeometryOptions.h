//===- GeometryOptions.h - Model geometry command-line options --*- C++ -*-===//
//
// The flags that describe a model geometry (--model, --qh, --kh, --d,
// --code-heads, --dtype, --budget, --sink, --window, --mode, --max-tokens),
// shared by spotlight-compile and spotlight-run.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_TOOLS_GEOMETRYOPTIONS_H
#define SPOTLIGHT_TOOLS_GEOMETRYOPTIONS_H

#include "spotlight/ABI/Geometry.h"

#include "llvm/Support/CommandLine.h"

#include <string>

namespace spotlight {

/// The category the geometry flags are registered in.
llvm::cl::OptionCategory &geometryCategory();

/// Fills `geometry` from the flags (preset first, explicit flags override);
/// returns false with a message on bad values.
bool geometryFromOptions(DecodeGeometry &geometry, std::string &error);

/// Applies only the flags given on the command line to `geometry` (e.g. an
/// artifact's), to compare them with it; false with a message on bad values.
bool applyGivenOptions(DecodeGeometry &geometry, std::string &error);

/// Parses "--budget": an integer count, or a fraction with a decimal point.
bool parseBudget(const std::string &text, DecodeGeometry &geometry,
                 std::string &error);

} // namespace spotlight

#endif // SPOTLIGHT_TOOLS_GEOMETRYOPTIONS_H
