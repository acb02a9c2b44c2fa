//===- TextSource.h - The texts a layer's hash MLPs train on ----*- C++ -*-===//
//
// Training on one 8K-token text overfits it: the MLP learns that text's keys
// and loses 0.03-0.06 IoU on another text of the same layer. The authors
// train on a different sequence at every step. The trainer therefore works
// in rounds of `stepsPerText` steps; each round asks its source for a text
// and draws its training queries from it:
//   - FixedText: captured data, the same tokens every round (many sequences
//     back to back are many texts); each round draws fresh query tokens;
//   - SyntheticTexts: a fresh text of the same synthetic layer every round,
//     and a text of its own for the held-out queries.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_TEXTSOURCE_H
#define SPOTLIGHT_QUALITY_TEXTSOURCE_H

#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/Synthetic.h"

#include <cstdint>

namespace spotlight::quality {

class TextSource {
public:
  virtual ~TextSource() = default;
  /// The text of training round `round`, asked for in order 0, 1, 2, ...
  /// from one thread; valid until the next call.
  virtual const Dataset &text(int64_t round) = 0;
  /// The text the held-out queries of the progress line come from.
  virtual const Dataset &heldOutText() = 0;
  /// True when heldOutText() is trained on too: its held-out query tokens
  /// are then never drawn for training.
  virtual bool heldOutIsTrained() const = 0;
};

/// Captured (or any given) data, trained on in every round.
class FixedText : public TextSource {
public:
  explicit FixedText(const Dataset &data) : data(data) {}
  const Dataset &text(int64_t) override { return data; }
  const Dataset &heldOutText() override { return data; }
  bool heldOutIsTrained() const override { return true; }

private:
  const Dataset &data;
};

/// Fresh texts of one synthetic layer. Round r generates the text with
/// text seed trainingTextSeed(base.tokenSeed, r) and the held-out text uses
/// heldOutTextSeed(base.tokenSeed): both are 64-bit mixes, never the small
/// integers (text-seed=2, 3, ...) that evaluations use, so an evaluation on
/// another text seed scores text the trainer has not seen.
class SyntheticTexts : public TextSource {
public:
  SyntheticTexts(const SyntheticOptions &base, int threads)
      : base(base), threads(threads) {}
  /// Generates the held-out text; false with `error` on bad options.
  bool init(std::string &error);
  const Dataset &text(int64_t round) override;
  const Dataset &heldOutText() override { return heldOut; }
  bool heldOutIsTrained() const override { return false; }

private:
  SyntheticOptions base;
  int threads;
  Dataset current, heldOut;
};

uint64_t trainingTextSeed(uint64_t textSeed, int64_t round);
uint64_t heldOutTextSeed(uint64_t textSeed);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_TEXTSOURCE_H
