//===- Trainer.cpp - Train the hash MLPs of one layer ---------------------===//
//
// Setup: held-out and training query tokens are drawn per query head, and
// the exact top `positiveFraction` keys of every training query are found
// once (they never change). Each step of a code head then only samples,
// gathers rows and runs rankingLossAndGradient + AdamW.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Trainer.h"

#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <chrono>
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

  HeadParams view(std::vector<float> &buffer, int64_t D) {
    float *p = buffer.data();
    return {p, p + D * D, p + D * D + D, p + 2 * D * D + D};
  }
};

/// Scratch of one worker: reused across the steps it runs.
struct StepScratch {
  RankingBatch batch;
  RankingWorkspace ws;
  std::vector<float> keyRows;
  std::vector<int64_t> positiveMark, chosenMark, keyMark;
  std::vector<int32_t> keyRow, picks;
  int64_t generation = 0;

  void reserve(int64_t tokens) {
    if (static_cast<int64_t>(positiveMark.size()) != tokens) {
      positiveMark.assign(tokens, -1);
      chosenMark.assign(tokens, -1);
      keyMark.assign(tokens, -1);
      keyRow.assign(tokens, 0);
      generation = 0;
    }
  }
};

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
  Trainer(const Dataset &data, const TrainOptions &options,
          HashWeights &weights)
      : data(data), options(options), weights(weights), D(data.headDim),
        G(data.group()), byQueryHead(weights.codeHeads == data.queryHeads) {}

  void setup();
  void step(int64_t c, int64_t s, bool wantLoss, StepScratch &scratch);
  void run(const std::function<void(const TrainProgress &)> &progress);

private:
  int64_t codeHeadOf(int64_t qh) const { return byQueryHead ? qh : qh / G; }

  const Dataset &data;
  const TrainOptions &options;
  HashWeights &weights;
  const int64_t D, G;
  const bool byQueryHead;
  std::vector<std::vector<float>> keys; // per KV head, [T, D]
  ExactReference pool, heldOut;
  std::vector<HeadState> heads;
};

void Trainer::setup() {
  for (int64_t h = 0; h < data.kvHeads; ++h)
    keys.push_back(keysOfHead(data, h));
  // Held-out queries first; the training pool excludes them.
  auto heldTokens = sampleQueryTokens(data, options.heldOutQueries,
                                      options.minContext,
                                      deriveSeed(options.seed, 0x4e1d));
  std::vector<std::vector<uint8_t>> exclude(
      data.queryHeads, std::vector<uint8_t>(data.tokens, 0));
  for (int64_t qh = 0; qh < data.queryHeads; ++qh)
    for (int64_t t : heldTokens[qh])
      exclude[qh][t] = 1;
  const int64_t perQueryHead =
      byQueryHead ? options.queryPool : (options.queryPool + G - 1) / G;
  auto poolTokens = sampleQueryTokens(data, perQueryHead, options.minContext,
                                      deriveSeed(options.seed, 0x9001),
                                      &exclude);
  heldOut = buildExactReference(data, heldTokens, {options.heldOutBudget},
                                options.threads, /*withMass=*/false);
  pool = buildExactReference(data, poolTokens, {options.positiveFraction},
                             options.threads, /*withMass=*/false);

  heads.resize(weights.codeHeads);
  for (int64_t c = 0; c < weights.codeHeads; ++c) {
    HeadState &head = heads[c];
    copyParams(weights, c, head.params);
    head.grad.assign(head.params.size(), 0.0f);
    head.optimizer =
        std::make_unique<AdamW>(head.params.size(), options.adamw);
    head.rng = std::make_unique<Rng>(deriveSeed(options.seed, 0x5000 + c));
  }
  for (int64_t qh = 0; qh < data.queryHeads; ++qh)
    for (size_t i = 0; i < pool.heads[qh].tokens.size(); ++i)
      heads[codeHeadOf(qh)].pool.push_back(
          {static_cast<int32_t>(qh), static_cast<int32_t>(i)});
}

void Trainer::step(int64_t c, int64_t s, bool wantLoss, StepScratch &sc) {
  HeadState &head = heads[c];
  Rng &rng = *head.rng;
  RankingBatch &batch = sc.batch;
  batch.clear();
  sc.keyRows.clear();
  sc.reserve(data.tokens);
  const int64_t stepMark = ++sc.generation;

  // Queries: a partial Fisher-Yates shuffle of the pool.
  const int64_t poolSize = head.pool.size();
  const int64_t Q = std::min(options.queriesPerStep, poolSize);
  for (int64_t i = 0; i < Q; ++i)
    std::swap(head.pool[i], head.pool[i + rng.below(poolSize - i)]);
  batch.rows.resize(Q * D);

  auto keyRowOf = [&](int64_t token, int64_t kvHead) {
    if (sc.keyMark[token] != stepMark) {
      sc.keyMark[token] = stepMark;
      sc.keyRow[token] = static_cast<int32_t>(sc.keyRows.size() / D);
      const float *k = &keys[kvHead][token * D];
      sc.keyRows.insert(sc.keyRows.end(), k, k + D);
    }
    return sc.keyRow[token];
  };

  for (int64_t i = 0; i < Q; ++i) {
    const PoolEntry entry = head.pool[i];
    const int64_t qh = entry.queryHead, h = qh / G;
    const ExactReference::Head &ref = pool.heads[qh];
    const int64_t t = ref.tokens[entry.index];
    const int64_t start = data.sequenceStart[t], n = t - start + 1;
    std::memcpy(&batch.rows[i * D], data.query(t, qh), D * sizeof(float));

    // Positives: a random subset of the exact top keys.
    const int32_t *top = &ref.ranked[ref.offset[entry.index]];
    const int64_t allPositives =
        ref.offset[entry.index + 1] - ref.offset[entry.index];
    const int64_t queryMark = stepMark * (options.queriesPerStep + 1) + i;
    sc.picks.assign(top, top + allPositives);
    for (int32_t p : sc.picks)
      sc.positiveMark[p] = queryMark;
    const int64_t P = std::min(options.maxPositives, allPositives);
    for (int64_t j = 0; j < P; ++j)
      std::swap(sc.picks[j], sc.picks[j + rng.below(allPositives - j)]);
    for (int64_t j = 0; j < P; ++j)
      batch.keyIndex.push_back(keyRowOf(sc.picks[j], h));

    // Negatives: all other causal keys, or a random sample of them.
    const int64_t others = n - allPositives;
    const int64_t N = std::min(options.maxNegatives, others);
    if (N == others) {
      for (int64_t k = start; k <= t; ++k)
        if (sc.positiveMark[k] != queryMark)
          batch.keyIndex.push_back(keyRowOf(k, h));
    } else {
      for (int64_t taken = 0; taken < N;) {
        const int64_t k = start + static_cast<int64_t>(rng.below(n));
        if (sc.positiveMark[k] == queryMark || sc.chosenMark[k] == queryMark)
          continue;
        sc.chosenMark[k] = queryMark;
        batch.keyIndex.push_back(keyRowOf(k, h));
        ++taken;
      }
    }
    batch.positives.push_back(P);
    batch.begin.push_back(batch.keyIndex.size());
  }
  batch.queries = Q;
  batch.keys = sc.keyRows.size() / D;
  batch.rows.insert(batch.rows.end(), sc.keyRows.begin(), sc.keyRows.end());

  std::fill(head.grad.begin(), head.grad.end(), 0.0f);
  double loss = rankingLossAndGradient(head.view(head.params, D), D, batch,
                                       options.loss, head.view(head.grad, D),
                                       sc.ws, wantLoss);
  if (wantLoss)
    head.lastLoss = loss;
  head.optimizer->step(head.params.data(), head.grad.data(),
                       learningRate(options.learningRate, s, options.steps,
                                    options.warmupFraction));
}

void Trainer::run(const std::function<void(const TrainProgress &)> &progress) {
  auto begin = std::chrono::steady_clock::now();
  auto report = [&](int64_t done) {
    for (int64_t c = 0; c < weights.codeHeads; ++c)
      storeParams(heads[c].params, c, weights);
    if (!progress)
      return;
    TrainProgress p;
    p.step = done;
    p.steps = options.steps;
    for (const HeadState &head : heads)
      p.loss += head.lastLoss / heads.size();
    p.heldOutIoU = hashedIoU(data, weights, heldOut, 0, options.threads);
    p.learningRate = learningRate(options.learningRate,
                                  std::min(done, options.steps - 1),
                                  options.steps, options.warmupFraction);
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              begin)
                    .count();
    progress(p);
  };
  report(0);
  const int64_t every = std::max<int64_t>(1, options.logEvery);
  for (int64_t from = 0; from < options.steps; from += every) {
    const int64_t to = std::min(options.steps, from + every);
    parallelFor(weights.codeHeads, options.threads, [&](int64_t c) {
      thread_local StepScratch scratch;
      for (int64_t s = from; s < to; ++s)
        step(c, s, /*wantLoss=*/s == to - 1, scratch);
    });
    report(to);
  }
}

} // namespace

double hashedIoU(const Dataset &data, const HashWeights &weights,
                 const ExactReference &reference, size_t budgetIndex,
                 int threads) {
  const int64_t D = data.headDim, G = data.group();
  const bool byQueryHead = weights.codeHeads == data.queryHeads;
  RetrievalResult r = evaluateRetrieval(
      data, reference, D,
      [&](int64_t qh, bool, const float *rows, int64_t stride, int64_t count,
          uint32_t *codes) {
        encodeRows(headParams(weights, byQueryHead ? qh : qh / G), D, rows,
                   stride, count, codes);
      },
      threads);
  return r.meanIoU(budgetIndex);
}

bool trainHashWeights(const Dataset &data, const TrainOptions &options,
                      HashWeights &weights,
                      const std::function<void(const TrainProgress &)> &progress,
                      std::string &error) {
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
      !(options.positiveFraction > 0 && options.positiveFraction < 1) ||
      options.minContext < 2) {
    error = "steps, per-step counts must be positive, the positive fraction "
            "in (0, 1) and the minimum context at least 2";
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
  Trainer trainer(data, options, weights);
  trainer.setup();
  trainer.run(progress);
  return true;
}

} // namespace spotlight::quality
