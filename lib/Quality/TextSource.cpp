//===- TextSource.cpp - The texts a layer's hash MLPs train on ------------===//

#include "spotlight/Quality/TextSource.h"

#include "spotlight/Quality/Random.h"

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

const Dataset &SyntheticTexts::text(int64_t round) {
  SyntheticOptions o = base;
  o.tokenSeed = trainingTextSeed(base.tokenSeed, round);
  std::string error;
  // The options generated the held-out text already, so they are valid.
  generateSynthetic(o, current, error, threads);
  return current;
}

} // namespace spotlight::quality
