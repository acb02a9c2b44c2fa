//===- DataOptions.h - Query/key data command-line options ------*- C++ -*-===//
//
// The flags that name one layer's queries and keys (--queries, --keys,
// --seq-lens, --synthetic, --dump-data), shared by spotlight-train and
// spotlight-eval.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_TOOLS_DATAOPTIONS_H
#define SPOTLIGHT_TOOLS_DATAOPTIONS_H

#include "spotlight/Quality/Dataset.h"

#include "llvm/Support/CommandLine.h"

#include <string>

namespace spotlight {

/// The category the data flags are registered in.
llvm::cl::OptionCategory &dataCategory();

/// Loads (or generates) the data the flags name, writes it out when
/// --dump-data asks, and describes its source in `description`; false with
/// a message on bad flags or files.
bool loadDataFromOptions(quality::Dataset &data, std::string &description,
                         std::string &error);

} // namespace spotlight

#endif // SPOTLIGHT_TOOLS_DATAOPTIONS_H
