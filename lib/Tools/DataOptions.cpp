//===- DataOptions.cpp - Query/key data command-line options --------------===//

#include "spotlight/Tools/DataOptions.h"
#include "spotlight/Quality/Synthetic.h"

namespace cl = llvm::cl;

namespace spotlight {

cl::OptionCategory &dataCategory() {
  static cl::OptionCategory category("Input data");
  return category;
}

namespace {
cl::opt<std::string> queryFile("queries",
                               cl::desc("Post-RoPE queries .npy [T,QH,D]"),
                               cl::cat(dataCategory()));
cl::opt<std::string> keyFile("keys", cl::desc("Post-RoPE keys .npy [T,KH,D]"),
                             cl::cat(dataCategory()));
cl::opt<std::string> seqLens(
    "seq-lens",
    cl::desc("Sequence lengths: '4096,4096' or an i32/i64 .npy (default: one "
             "sequence)"),
    cl::cat(dataCategory()));
cl::opt<std::string>
    synthetic("synthetic", cl::ValueOptional,
              cl::desc("Use generated data instead: --synthetic or "
                       "--synthetic=key=value,... (docs/Quality.md)"),
              cl::cat(dataCategory()));
cl::opt<std::string> dumpData("dump-data",
                              cl::desc("Also write the data as DIR/*.npy"),
                              cl::cat(dataCategory()));
} // namespace

bool loadDataFromOptions(quality::Dataset &data, std::string &description,
                         std::string &error) {
  if (synthetic.getNumOccurrences()) {
    if (!queryFile.empty() || !keyFile.empty() ||
        seqLens.getNumOccurrences()) {
      error = "--synthetic replaces --queries, --keys and --seq-lens";
      return false;
    }
    quality::SyntheticOptions options;
    if (!quality::parseSyntheticSpec(synthetic, options, error) ||
        !quality::generateSynthetic(options, data, error))
      return false;
    description = "synthetic " + quality::syntheticSpec(options);
  } else {
    if (queryFile.empty() || keyFile.empty()) {
      error = "give --queries and --keys, or --synthetic";
      return false;
    }
    std::vector<int64_t> lengths;
    if (!quality::parseSequenceLengths(seqLens, lengths, error) ||
        !quality::loadDataset(queryFile, keyFile, lengths, data, error))
      return false;
    description = queryFile + " " + keyFile;
  }
  return dumpData.empty() || quality::saveDataset(data, dumpData, error);
}

} // namespace spotlight
