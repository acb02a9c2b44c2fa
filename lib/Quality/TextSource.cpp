//===- TextSource.cpp - The texts a layer's hash MLPs train on ------------===//

#include "spotlight/Quality/TextSource.h"

#include "spotlight/Quality/Random.h"

#include <fstream>
#include <sstream>

namespace spotlight::quality {

uint64_t trainingTextSeed(uint64_t textSeed, int64_t round) {
  return deriveSeed(textSeed, 0x7e470000 + static_cast<uint64_t>(round));
}

uint64_t heldOutTextSeed(uint64_t textSeed) {
  return deriveSeed(textSeed, 0x4e1d0000);
}

bool SyntheticTexts::init(std::string &error) {
  SyntheticOptions o = base;
  o.tokenSeed = heldOutTextSeed(base.tokenSeed);
  return generateSynthetic(o, heldOut, error, threads);
}

const Dataset *SyntheticTexts::text(int64_t round, std::string &error) {
  SyntheticOptions o = base;
  o.tokenSeed = trainingTextSeed(base.tokenSeed, round);
  return generateSynthetic(o, current, error, threads) ? &current : nullptr;
}

namespace {
bool load(const TextFiles &f, Dataset &out, std::string &error) {
  std::vector<int64_t> lengths;
  if (!parseSequenceLengths(f.sequenceLengths, lengths, error) ||
      !loadDataset(f.queries, f.keys, lengths, out, error)) {
    error = f.queries + ": " + error;
    return false;
  }
  return true;
}
} // namespace

bool CapturedTexts::init(std::string &error) {
  if (files.empty()) {
    error = "no texts listed";
    return false;
  }
  return load(files.back(), heldOut, error);
}

const Dataset *CapturedTexts::text(int64_t round, std::string &error) {
  if (files.size() == 1)
    return &heldOut;
  const TextFiles &f = files[round % (files.size() - 1)];
  if (!load(f, current, error))
    return nullptr;
  if (current.queryHeads != heldOut.queryHeads ||
      current.kvHeads != heldOut.kvHeads ||
      current.headDim != heldOut.headDim) {
    error = f.queries + ": QH, KH or D differ from the held-out text";
    return nullptr;
  }
  return &current;
}

bool readTextList(const std::string &path, std::vector<TextFiles> &out,
                  std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  out.clear();
  const size_t slash = path.rfind('/');
  const std::string folder =
      slash == std::string::npos ? "" : path.substr(0, slash);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (size_t hash = line.find('#'); hash != std::string::npos)
      line.resize(hash);
    std::istringstream words(line);
    TextFiles f;
    if (!(words >> f.queries))
      continue;
    std::string extra;
    if (!(words >> f.keys) || (words >> f.sequenceLengths && words >> extra)) {
      error = path + ":" + std::to_string(number) +
              ": expected 'queries.npy keys.npy [seq-lens]'";
      return false;
    }
    auto fromList = [&](std::string &file) {
      if (!file.empty() && file[0] != '/' && !folder.empty())
        file = folder + "/" + file;
    };
    fromList(f.queries);
    fromList(f.keys);
    if (f.sequenceLengths.size() > 4 &&
        f.sequenceLengths.compare(f.sequenceLengths.size() - 4, 4, ".npy") == 0)
      fromList(f.sequenceLengths);
    out.push_back(f);
  }
  if (out.empty()) {
    error = path + ": no texts listed";
    return false;
  }
  return true;
}

} // namespace spotlight::quality
