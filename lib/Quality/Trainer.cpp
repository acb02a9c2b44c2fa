//===- Trainer.cpp - Train the hash MLPs of one layer ---------------------===//
//
// Setup: held-out and training query tokens are drawn per query head, and
// the exact top `positiveFraction` keys of every training query are found
// once (they never change). Each step of a code head then only samples,
// gathers rows and runs rankingLossAndGradient + AdamW.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Trainer.h"

#include "Kernels.h"
#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

namespace spotlight::quality {
namespace {

/// One query of a code head's pool: query head and index into its list.
struct PoolEntry {
  int32_t queryHead, index;
};

/// Per code head: parameters in one buffer [W1 | b1 | W2 | b2], its
/// gradient, optimizer, random stream and training pool.
struct HeadState {
  std::vector<float> params, grad;
  std::unique_ptr<AdamW> optimizer;
  std::unique_ptr<Rng> rng;
  std::vector<PoolEntry> pool;
  double lastLoss = 0;
  /// The parameters with the best held-out IoU so far (keepBest).
  std::vector<float> best;
  double bestIoU = -1;

  HeadParams view(std::vector<float> &buffer, int64_t D) {
    float *p = buffer.data();
    return {p, p + D * D, p + D * D + D, p + 2 * D * D + D};
  }
};

/// Scratch of one worker: reused across the steps it runs. Token sets are
/// bitmaps over all tokens, so a query's keys come out in token order.
struct StepScratch {
  RankingBatch batch;
  RankingWorkspace ws;
  /// Sampled positives, all positives, sampled negatives of one query; the
  /// union of every query's keys in the step.
  std::vector<uint64_t> positive, excluded, negative, used;
  std::vector<int32_t> keyRow, picks; // keyRow: per token, its key row

  void reserve(int64_t tokens) {
    // Texts of different lengths follow each other (CapturedTexts): the
    // per-token map must match the tokens, not only the bitmap words.
    const size_t words = tokens / 64 + 1;
    if (positive.size() != words || keyRow.size() != size_t(tokens)) {
      positive.assign(words, 0);
      excluded.assign(words, 0);
      negative.assign(words, 0);
      used.assign(words, 0);
      keyRow.assign(tokens, 0);
    }
  }
};

inline void setBit(std::vector<uint64_t> &bits, int64_t k) {
  bits[k >> 6] |= uint64_t(1) << (k & 63);
}
inline bool testBit(const std::vector<uint64_t> &bits, int64_t k) {
  return (bits[k >> 6] >> (k & 63)) & 1;
}

/// Appends the set bits of `bits` in [lo, hi] (token order) to `out`,
/// ORs them into `used` and clears them.
void drain(std::vector<uint64_t> &bits, int64_t lo, int64_t hi,
           std::vector<uint64_t> &used, std::vector<int32_t> &out) {
  for (int64_t w = lo >> 6; w <= hi >> 6; ++w) {
    uint64_t word = bits[w];
    bits[w] = 0;
    used[w] |= word;
    while (word) {
      out.push_back(static_cast<int32_t>(w * 64 + __builtin_ctzll(word)));
      word &= word - 1;
    }
  }
}

void copyParams(const HashWeights &w, int64_t c, std::vector<float> &out) {
  const int64_t D = w.headDim;
  out.resize(2 * D * D + 2 * D);
  std::memcpy(&out[0], w.w1Of(c), D * D * sizeof(float));
  std::memcpy(&out[D * D], w.b1Of(c), D * sizeof(float));
  std::memcpy(&out[D * D + D], w.w2Of(c), D * D * sizeof(float));
  std::memcpy(&out[2 * D * D + D], w.b2Of(c), D * sizeof(float));
}

void storeParams(const std::vector<float> &in, int64_t c, HashWeights &w) {
  const int64_t D = w.headDim;
  std::memcpy(w.w1Of(c), &in[0], D * D * sizeof(float));
  std::memcpy(w.b1Of(c), &in[D * D], D * sizeof(float));
  std::memcpy(w.w2Of(c), &in[D * D + D], D * D * sizeof(float));
  std::memcpy(w.b2Of(c), &in[2 * D * D + D], D * sizeof(float));
}

class Trainer {
public:
  Trainer(TextSource &source, const TrainOptions &options, HashWeights &weights)
      : source(source), options(options), weights(weights), D(weights.headDim) {
  }

  void setup();
  bool beginText(int64_t round, std::string &error);
  void step(int64_t c, int64_t s, bool wantLoss, StepScratch &scratch);
  bool run(const std::function<void(const TrainProgress &)> &progress,
           std::string &error);

private:
  int64_t codeHeadOf(int64_t qh) const { return byQueryHead ? qh : qh / G; }
  /// Names the first code head whose loss or weights are not finite.
  std::string nonFinite(int64_t step) const;

  TextSource &source;
  const TrainOptions &options;
  HashWeights &weights;
  const int64_t D;
  int64_t G = 1;
  bool byQueryHead = true;
  const Dataset *data = nullptr; // the current round's text
  const Dataset *heldOutData = nullptr;
  std::vector<std::vector<float>> keys; // per KV head of `data`, [T, D]
  /// Per query head: tokens of the held-out text never drawn for training.
  std::vector<std::vector<uint8_t>> exclude;
  ExactReference pool, heldOut;
  std::vector<HeadState> heads;
};

void Trainer::setup() {
  heldOutData = &source.heldOutText();
  G = heldOutData->group();
  byQueryHead = weights.codeHeads == heldOutData->queryHeads;
  auto heldTokens =
      sampleQueryTokens(*heldOutData, options.heldOutQueries,
                        options.minContext, deriveSeed(options.seed, 0x4e1d));
  heldOut = buildExactReference(*heldOutData, heldTokens,
                                {options.heldOutBudget}, options.threads,
                                /*withMass=*/false);
  if (source.heldOutIsTrained()) {
    exclude.assign(heldOutData->queryHeads,
                   std::vector<uint8_t>(heldOutData->tokens, 0));
    for (int64_t qh = 0; qh < heldOutData->queryHeads; ++qh)
      for (int64_t t : heldTokens[qh])
        exclude[qh][t] = 1;
  }
  heads.resize(weights.codeHeads);
  for (int64_t c = 0; c < weights.codeHeads; ++c) {
    HeadState &head = heads[c];
    copyParams(weights, c, head.params);
    head.grad.assign(head.params.size(), 0.0f);
    head.optimizer = std::make_unique<AdamW>(head.params.size(), options.adamw);
    head.rng = std::make_unique<Rng>(deriveSeed(options.seed, 0x5000 + c));
  }
}

bool Trainer::beginText(int64_t round, std::string &error) {
  data = source.text(round, error);
  if (!data)
    return false;
  // Per-head key copies of a large captured text cost a pass over it.
  if (keys.empty() || !source.sameEveryRound()) {
    keys.clear();
    for (int64_t h = 0; h < data->kvHeads; ++h)
      keys.push_back(keysOfHead(*data, h));
  }
  const int64_t perQueryHead =
      byQueryHead ? options.queryPool : (options.queryPool + G - 1) / G;
  const bool sameText = data == heldOutData && !exclude.empty();
  auto poolTokens = sampleQueryTokens(*data, perQueryHead, options.minContext,
                                      deriveSeed(options.seed, 0x9001 + round),
                                      sameText ? &exclude : nullptr);
  pool = buildExactReference(*data, poolTokens, {options.positiveFraction},
                             options.threads, /*withMass=*/false);
  for (HeadState &head : heads)
    head.pool.clear();
  for (int64_t qh = 0; qh < data->queryHeads; ++qh)
    for (size_t i = 0; i < pool.heads[qh].tokens.size(); ++i)
      heads[codeHeadOf(qh)].pool.push_back(
          {static_cast<int32_t>(qh), static_cast<int32_t>(i)});
  return true;
}

void Trainer::step(int64_t c, int64_t s, bool wantLoss, StepScratch &sc) {
  HeadState &head = heads[c];
  Rng &rng = *head.rng;
  RankingBatch &batch = sc.batch;
  batch.clear();
  sc.reserve(data->tokens);

  // Queries: a partial Fisher-Yates shuffle of the pool.
  const int64_t poolSize = head.pool.size();
  const int64_t Q = std::min(options.queriesPerStep, poolSize);
  for (int64_t i = 0; i < Q; ++i)
    std::swap(head.pool[i], head.pool[i + rng.below(poolSize - i)]);
  batch.rows.resize(Q * D);

  // Each query's keys, as token positions in ascending order (positives,
  // then negatives): rows are laid out in token order too, so the score
  // kernels sweep memory forwards.
  int64_t kvHead = 0;
  for (int64_t i = 0; i < Q; ++i) {
    const PoolEntry entry = head.pool[i];
    const int64_t qh = entry.queryHead;
    kvHead = qh / G; // one KV head per code head
    const ExactReference::Head &ref = pool.heads[qh];
    const int64_t t = ref.tokens[entry.index];
    const int64_t start = data->sequenceStart[t], n = t - start + 1;
    std::memcpy(&batch.rows[i * D], data->query(t, qh), D * sizeof(float));

    // Positives: a random subset of the exact top keys.
    const int32_t *top = &ref.ranked[ref.offset[entry.index]];
    const int64_t allPositives =
        ref.offset[entry.index + 1] - ref.offset[entry.index];
    sc.picks.assign(top, top + allPositives);
    const int64_t P = std::min(options.maxPositives, allPositives);
    for (int64_t j = 0; j < P; ++j)
      std::swap(sc.picks[j], sc.picks[j + rng.below(allPositives - j)]);
    for (int64_t j = 0; j < allPositives; ++j) {
      setBit(sc.excluded, sc.picks[j]);
      if (j < P)
        setBit(sc.positive, sc.picks[j]);
    }

    // Negatives: all other causal keys, or a random sample of them.
    const int64_t others = n - allPositives;
    const int64_t N = std::min(options.maxNegatives, others);
    if (N == others) {
      for (int64_t w = start >> 6; w <= t >> 6; ++w) {
        uint64_t mask = ~uint64_t(0);
        if (w == start >> 6)
          mask &= ~uint64_t(0) << (start & 63);
        if (w == t >> 6 && (t & 63) != 63)
          mask &= (uint64_t(1) << ((t & 63) + 1)) - 1;
        sc.negative[w] = mask & ~sc.excluded[w];
      }
    } else {
      for (int64_t taken = 0; taken < N;) {
        const int64_t k = start + static_cast<int64_t>(rng.below(n));
        if (!testBit(sc.excluded, k) && !testBit(sc.negative, k)) {
          setBit(sc.negative, k);
          ++taken;
        }
      }
    }
    drain(sc.positive, start, t, sc.used, batch.keyIndex);
    drain(sc.negative, start, t, sc.used, batch.keyIndex);
    for (int64_t j = 0; j < allPositives; ++j)
      sc.excluded[sc.picks[j] >> 6] = 0;
    batch.positives.push_back(P);
    batch.begin.push_back(batch.keyIndex.size());
  }
  batch.queries = Q;

  // Key rows in token order: a token's row is its rank among used tokens.
  int64_t keys = 0;
  for (size_t w = 0; w < sc.used.size(); ++w)
    for (uint64_t word = sc.used[w]; word; word &= word - 1) {
      const int64_t k = w * 64 + __builtin_ctzll(word);
      sc.keyRow[k] = static_cast<int32_t>(keys++);
    }
  batch.keys = keys;
  batch.rows.resize((Q + keys) * D);
  for (size_t w = 0; w < sc.used.size(); ++w) {
    for (uint64_t word = sc.used[w]; word; word &= word - 1) {
      const int64_t k = w * 64 + __builtin_ctzll(word);
      std::memcpy(&batch.rows[(Q + sc.keyRow[k]) * D],
                  &this->keys[kvHead][k * D], D * sizeof(float));
    }
    sc.used[w] = 0;
  }
  for (int32_t &index : batch.keyIndex)
    index = sc.keyRow[index];

  std::fill(head.grad.begin(), head.grad.end(), 0.0f);
  RankingLossOptions loss = options.loss;
  loss.gain = static_cast<float>(gainAt(options, s));
  const double value =
      rankingLossAndGradient(head.view(head.params, D), D, batch, loss,
                             head.view(head.grad, D), sc.ws, wantLoss);
  if (wantLoss)
    head.lastLoss = value;
  head.optimizer->step(head.params.data(), head.grad.data(),
                       learningRate(options.learningRate, s, options.steps,
                                    options.warmupFraction));
}

std::string Trainer::nonFinite(int64_t step) const {
  for (size_t c = 0; c < heads.size(); ++c) {
    const HeadState &head = heads[c];
    bool finite = std::isfinite(head.lastLoss);
    for (size_t i = 0; finite && i < head.params.size(); ++i)
      finite = std::isfinite(head.params[i]);
    if (!finite)
      return "training diverged: the loss or the weights of code head " +
             std::to_string(c) + " are not finite at step " +
             std::to_string(step) + " (lower --lr or check the data)";
  }
  return "";
}

bool Trainer::run(const std::function<void(const TrainProgress &)> &progress,
                  std::string &error) {
  auto begin = std::chrono::steady_clock::now();
  auto report = [&](int64_t done) {
    for (int64_t c = 0; c < weights.codeHeads; ++c)
      storeParams(heads[c].params, c, weights);
    const RetrievalResult r =
        hashedRetrieval(*heldOutData, weights, heldOut, options.threads);
    // A code head's held-out IoU: the mean over the query heads it serves.
    std::vector<double> sum(heads.size(), 0.0), count(heads.size(), 0.0);
    for (int64_t qh = 0; qh < heldOutData->queryHeads; ++qh) {
      sum[codeHeadOf(qh)] += r.iou[qh];
      count[codeHeadOf(qh)] += 1;
    }
    TrainProgress p;
    for (size_t c = 0; c < heads.size(); ++c) {
      HeadState &head = heads[c];
      const double iou = sum[c] / count[c];
      if (options.keepBest && iou > head.bestIoU) {
        head.bestIoU = iou;
        head.best = head.params;
      }
      p.bestIoU += std::max(head.bestIoU, 0.0) / heads.size();
      p.loss += head.lastLoss / heads.size();
    }
    if (!progress)
      return;
    p.step = done;
    p.steps = options.steps;
    p.heldOutIoU = r.meanIoU(0);
    p.learningRate =
        learningRate(options.learningRate, std::min(done, options.steps - 1),
                     options.steps, options.warmupFraction);
    p.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    progress(p);
  };
  report(0);
  const int64_t every = std::max<int64_t>(1, options.logEvery);
  const int64_t perText = std::max<int64_t>(1, options.stepsPerText);
  for (int64_t from = 0; from < options.steps;) {
    if (from % perText == 0 && !beginText(from / perText, error))
      return false;
    // A stretch ends at the next progress line or the next text.
    const int64_t to = std::min({options.steps, (from / every + 1) * every,
                                 (from / perText + 1) * perText});
    parallelFor(weights.codeHeads, options.threads, [&](int64_t c) {
      thread_local StepScratch scratch;
      for (int64_t s = from; s < to; ++s)
        step(c, s, /*wantLoss=*/s == to - 1, scratch);
    });
    error = nonFinite(to);
    if (!error.empty())
      return false;
    if (to % every == 0 || to == options.steps)
      report(to);
    from = to;
  }
  if (options.keepBest)
    for (int64_t c = 0; c < weights.codeHeads; ++c)
      storeParams(heads[c].best, c, weights);
  return true;
}

} // namespace

const char *kernelInstructionSet() { return kernels::isaName(); }

double defaultLearningRate(int64_t headDim) {
  return headDim <= 64 ? 1e-2 : 4.5e-3;
}

double gainAt(const TrainOptions &options, int64_t step) {
  const double start = options.loss.gain, end = options.finalGain;
  if (end <= 0 || options.steps <= 1)
    return start;
  return start *
         std::pow(end / start, double(step) / double(options.steps - 1));
}

RetrievalResult hashedRetrieval(const Dataset &data, const HashWeights &weights,
                                const ExactReference &reference, int threads) {
  const int64_t D = data.headDim, G = data.group();
  const bool byQueryHead = weights.codeHeads == data.queryHeads;
  return evaluateRetrieval(
      data, reference, D,
      [&](int64_t qh, bool, const float *rows, int64_t stride, int64_t count,
          uint32_t *codes) {
        encodeRows(headParams(weights, byQueryHead ? qh : qh / G), D, rows,
                   stride, count, codes);
      },
      threads);
}

bool trainHashWeights(
    TextSource &source, const TrainOptions &options, HashWeights &weights,
    const std::function<void(const TrainProgress &)> &progress,
    std::string &error) {
  const Dataset &data = source.heldOutText();
  if (weights.headDim != data.headDim ||
      (weights.codeHeads != data.queryHeads &&
       weights.codeHeads != data.kvHeads)) {
    error = "weights must have D = " + std::to_string(data.headDim) +
            " and CH = QH (" + std::to_string(data.queryHeads) + ") or KH (" +
            std::to_string(data.kvHeads) + ")";
    return false;
  }
  if (options.steps <= 0 || options.queriesPerStep <= 0 ||
      options.maxPositives <= 0 || options.maxNegatives <= 0 ||
      options.stepsPerText <= 0 ||
      !(options.positiveFraction > 0 && options.positiveFraction < 1) ||

      options.minContext < 2) {
    error = "steps, per-step counts must be positive, the positive fraction "
            "in (0, 1) and the minimum context at least 2";
    return false;
  }
  // NaN fails every comparison, so each check is written to fail on it.
  const AdamWOptions &a = options.adamw;
  if (!(options.learningRate > 0 && std::isfinite(options.learningRate)) ||
      !(options.warmupFraction >= 0 && options.warmupFraction <= 1) ||
      !(a.beta1 >= 0 && a.beta1 < 1) || !(a.beta2 >= 0 && a.beta2 < 1) ||
      !(a.weightDecay >= 0 && std::isfinite(a.weightDecay)) ||
      !(a.clipNorm >= 0 && std::isfinite(a.clipNorm)) ||
      !(a.eps > 0 && std::isfinite(a.eps))) {
    error = "the learning rate must be finite and positive, the warm-up in "
            "[0, 1], the Adam betas in [0, 1), the weight decay, clip and "
            "epsilon finite and non-negative";
    return false;
  }
  const RankingLossOptions &l = options.loss;
  if (!(l.gain > 0 && std::isfinite(l.gain)) ||
      !(options.finalGain >= 0 && std::isfinite(options.finalGain)) ||
      !(l.beta > 0 && std::isfinite(l.beta)) || !std::isfinite(l.margin)) {
    error = "the gain and beta must be finite and positive, the margin finite";
    return false;
  }
  for (const std::vector<float> *w :
       {&weights.w1, &weights.b1, &weights.w2, &weights.b2})
    for (float v : *w)
      if (!std::isfinite(v)) {
        error = "the initial weights hold a non-finite value";
        return false;
      }
  bool anyEligible = false;
  for (int64_t t = 0; t < data.tokens && !anyEligible; ++t)
    anyEligible = data.causalCount(t) >= options.minContext;
  if (!anyEligible) {
    error = "no query has " + std::to_string(options.minContext) +
            " causal keys (lower --min-context)";
    return false;
  }
  Trainer trainer(source, options, weights);
  trainer.setup();
  return trainer.run(progress, error);
}

bool trainHashWeights(
    const Dataset &data, const TrainOptions &options, HashWeights &weights,
    const std::function<void(const TrainProgress &)> &progress,
    std::string &error) {
  FixedText source(data);
  return trainHashWeights(source, options, weights, progress, error);
}

} // namespace spotlight::quality
