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
//     and a text of its own for the held-out queries;
//   - CapturedTexts: captured texts as files, loaded one round at a time.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_TEXTSOURCE_H
#define SPOTLIGHT_QUALITY_TEXTSOURCE_H

#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/Synthetic.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::quality {

class TextSource {
public:
  virtual ~TextSource() = default;
  /// The text of training round `round`, asked for in order 0, 1, 2, ...
  /// from one thread; valid until the next call. Null with `error` when
  /// it cannot be had (a file that fails to load).
  virtual const Dataset *text(int64_t round, std::string &error) = 0;
  /// The text the held-out queries of the progress line come from.
  virtual const Dataset &heldOutText() = 0;
  /// True when heldOutText() is trained on too: its held-out query tokens
  /// are then never drawn for training.
  virtual bool heldOutIsTrained() const = 0;
  /// True when every round's text is the same data: what the trainer
  /// derives from the tokens themselves is then kept across rounds.
  virtual bool sameEveryRound() const { return false; }
};

/// Captured (or any given) data, trained on in every round.
class FixedText : public TextSource {
public:
  explicit FixedText(const Dataset &data) : data(data) {}
  const Dataset *text(int64_t, std::string &) override { return &data; }
  const Dataset &heldOutText() override { return data; }
  bool heldOutIsTrained() const override { return true; }
  bool sameEveryRound() const override { return true; }

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
  const Dataset *text(int64_t round, std::string &error) override;
  const Dataset &heldOutText() override { return heldOut; }
  bool heldOutIsTrained() const override { return false; }

private:
  SyntheticOptions base;
  int threads;
  Dataset current, heldOut;
};

/// Captured texts listed as files, one in memory at a time: round r trains
/// on file r mod (n - 1) and the last file is held out (never trained on).
/// With one file, that file is trained on and its held-out query tokens
/// are set aside, as with FixedText.
struct TextFiles {
  std::string queries, keys, sequenceLengths;
};
class CapturedTexts : public TextSource {
public:
  explicit CapturedTexts(std::vector<TextFiles> files)
      : files(std::move(files)) {}
  /// Loads the held-out file; false with `error` when it cannot.
  bool init(std::string &error);
  const Dataset *text(int64_t round, std::string &error) override;
  const Dataset &heldOutText() override { return heldOut; }
  bool heldOutIsTrained() const override { return files.size() == 1; }

private:
  std::vector<TextFiles> files;
  Dataset current, heldOut;
};

/// Reads a list of texts: one per line, "queries.npy keys.npy [seq-lens]"
/// (seq-lens as for --seq-lens; relative paths from the list's folder);
/// blank lines and the rest of a line from '#' are skipped.
bool readTextList(const std::string &path, std::vector<TextFiles> &out,
                  std::string &error);

uint64_t trainingTextSeed(uint64_t textSeed, int64_t round);
uint64_t heldOutTextSeed(uint64_t textSeed);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_TEXTSOURCE_H
