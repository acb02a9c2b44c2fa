//===- spotlight-train.cpp - Train the hash MLPs of one layer -------------===//
//
//   spotlight-train --queries q.npy --keys k.npy [--seq-lens 4096,4096] \
//       --out layer.safetensors
//   spotlight-train --synthetic=default --out layer.safetensors   (demo data)
//   spotlight-train --texts-list texts.txt --out layer.safetensors
//
// Trains the per-code-head hash MLPs of SEMANTICS.md on captured post-RoPE
// queries [T,QH,D] and keys [T,KH,D] of one layer with the Bradley-Terry
// ranking loss (docs/Quality.md), printing the loss and the held-out IoU as
// it goes, and writes w1/b1/w2/b2 in the layout spotlight-run reads.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/DataInit.h"
#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/Synthetic.h"
#include "spotlight/Quality/TextSource.h"
#include "spotlight/Quality/Trainer.h"
#include "spotlight/Tools/DataOptions.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

using namespace spotlight::quality;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("Training");
cl::opt<std::string> outFile("out", cl::desc("Output .safetensors"),
                             cl::Required, cl::cat(category));
cl::opt<std::string> codeHeads("code-heads",
                               cl::desc("qh (CH = QH, published) or kh"),
                               cl::init("qh"), cl::cat(category));
cl::opt<int64_t> steps("steps", cl::desc("Optimizer steps"), cl::init(600),
                       cl::cat(category));
cl::opt<int64_t> queriesPerStep("queries-per-step",
                                cl::desc("Queries sampled per step and head"),
                                cl::init(256), cl::cat(category));
cl::opt<int64_t> maxPositives("max-positives",
                              cl::desc("Positives sampled per query"),
                              cl::init(1024), cl::cat(category));
cl::opt<int64_t> maxNegatives("max-negatives",
                              cl::desc("Negatives sampled per query"),
                              cl::init(1024), cl::cat(category));
cl::opt<double> positiveFraction(
    "positive-fraction",
    cl::desc("Positives: this top fraction of causal keys by q.k"),
    cl::init(0.02), cl::cat(category));
cl::opt<double> gain("gain", cl::desc("Softsign gain g in g*x/(1+|g*x|)"),
                     cl::init(RankingLossOptions().gain), cl::cat(category));
cl::opt<double> finalGain(
    "final-gain",
    cl::desc("Gain at the last step, reached geometrically from --gain "
             "(0: constant --gain)"),
    cl::init(0), cl::cat(category));
cl::opt<double> beta("beta", cl::desc("Bradley-Terry beta"), cl::init(1),
                     cl::cat(category));
cl::opt<double> margin("margin", cl::desc("Bradley-Terry margin"),
                       cl::init(RankingLossOptions().margin),
                       cl::cat(category));
cl::opt<double> lr("lr",
                   cl::desc("Peak learning rate (default 4.5e-3, 1e-2 at D <= "
                            "64)"),
                   cl::init(1e-3), cl::cat(category));
cl::opt<double> warmup("warmup", cl::desc("Warm-up fraction of the steps"),
                       cl::init(0.01), cl::cat(category));
cl::opt<double> adamBeta1("adam-beta1", cl::init(0.9), cl::cat(category),
                          cl::desc("AdamW beta1"));
cl::opt<double> adamBeta2("adam-beta2", cl::init(0.98), cl::cat(category),
                          cl::desc("AdamW beta2"));
cl::opt<double> weightDecay("weight-decay", cl::desc("AdamW weight decay"),
                            cl::init(0.1), cl::cat(category));
cl::opt<double> clip("clip", cl::desc("Gradient norm clip per head (0: off)"),
                     cl::init(1.0), cl::cat(category));
cl::opt<std::string> init(
    "init",
    cl::desc("keys (a linear hash of the first training text's key "
             "variation, docs/Quality.md), normal (W ~ N(0, 2/D) * scale^2, "
             "b = 0), zero (identity), or a .safetensors/.npz to continue "
             "from"),
    cl::init("zero"), cl::cat(category));
cl::opt<double> initScale("init-scale", cl::desc("Scale of --init normal"),
                          cl::init(1.0), cl::cat(category));
cl::opt<double>
    initPower("init-power",
              cl::desc("--init keys: weight of each key eigen-direction, "
                       "(lambda / lambda_max)^power (0: all directions alike)"),
              cl::init(0.5), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Seed of initialisation and sampling"),
                       cl::init(1), cl::cat(category));
cl::opt<int> threads("num-threads", cl::desc("Worker threads (0: all cores)"),
                     cl::init(0), cl::cat(category));
cl::opt<int64_t>
    minContext("min-context",
               cl::desc("Queries need at least this many causal keys"),
               cl::init(128), cl::cat(category));
cl::opt<int64_t> queryPool("query-pool",
                           cl::desc("Training query tokens per code head"),
                           cl::init(4096), cl::cat(category));
cl::opt<int64_t> heldOut("held-out",
                         cl::desc("Held-out query tokens per query head"),
                         cl::init(128), cl::cat(category));
cl::opt<int64_t> stepsPerText(
    "steps-per-text",
    cl::desc("Steps per round: each round trains on a fresh synthetic text, "
             "or draws fresh query tokens from the given data"),
    cl::init(50), cl::cat(category));
cl::opt<std::string> texts(
    "texts",
    cl::desc("fresh (with --synthetic: a new text of the layer every round; "
             "the default) or given (only the text the data flags name)"),
    cl::init("fresh"), cl::cat(category));
cl::opt<bool> keepBest(
    "keep-best",
    cl::desc("Write each code head's weights from the progress report with "
             "its best held-out IoU (early stopping)"),
    cl::init(true), cl::cat(category));
cl::opt<std::string> textsList(
    "texts-list",
    cl::desc("Captured texts instead of the data flags: a file with lines "
             "'queries.npy keys.npy [seq-lens]'; each round loads the next, "
             "the last is held out"),
    cl::cat(category));
cl::opt<int64_t> logEvery("log-every", cl::desc("Steps between progress lines"),
                          cl::init(50), cl::cat(category));

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "spotlight-train: error: " << message << "\n";
  std::exit(1);
}

/// The texts to train on: --texts-list files, fresh synthetic texts, or the
/// data of the data flags; null with `error` on bad flags or files.
std::unique_ptr<TextSource> makeSource(Dataset &given, std::string &description,
                                       std::string &error) {
  if (!textsList.empty()) {
    std::vector<TextFiles> files;
    if (!readTextList(textsList, files, error))
      return nullptr;
    auto captured = std::make_unique<CapturedTexts>(files);
    if (!captured->init(error))
      return nullptr;
    description = textsList + " (" + std::to_string(files.size()) +
                  " texts, the last held out)";
    return captured;
  }
  if (!spotlight::loadDataFromOptions(given, description, error))
    return nullptr;
  // The data flags describe synthetic data by its full spec, which is all
  // it takes to generate more texts of the same layer.
  const std::string syntheticPrefix = "synthetic ";
  if (description.rfind(syntheticPrefix, 0) != 0 || texts != "fresh")
    return std::make_unique<FixedText>(given);
  SyntheticOptions layer;
  if (!parseSyntheticSpec(description.substr(syntheticPrefix.size()), layer,
                          error))
    return nullptr;
  auto fresh = std::make_unique<SyntheticTexts>(layer, threads);
  if (!fresh->init(error))
    return nullptr;
  description += " (fresh text every " +
                 std::to_string(stepsPerText.getValue()) + " steps)";
  return fresh;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions({&spotlight::dataCategory(), &category});
  cl::ParseCommandLineOptions(
      argc, argv,
      "Train Spotlight hash MLPs for one layer (Bradley-Terry ranking loss)\n");
  const auto start = std::chrono::steady_clock::now();

  std::string error, dataDescription;
  if (codeHeads != "qh" && codeHeads != "kh")
    fail("--code-heads must be qh or kh");
  if (texts != "fresh" && texts != "given")
    fail("--texts must be fresh or given");
  Dataset given;
  std::unique_ptr<TextSource> source =
      makeSource(given, dataDescription, error);
  if (!source)
    fail(error);
  const Dataset &data = source->heldOutText(); // the layer's geometry
  HashWeights weights;
  if (init == "normal" || init == "zero" || init == "keys") {
    weights.resize(codeHeads == "qh" ? data.queryHeads : data.kvHeads,
                   data.headDim);
    initWeights(weights, init == "zero" ? InitKind::Zero : InitKind::Normal,
                initScale, seed);
    // The first training text, never the held-out one (when that one is
    // trained on too, its keys are: only its query tokens are set aside).
    if (init == "keys") {
      const Dataset *first = source->text(0, error);
      if (!first || !initFromKeys(weights, *first, initPower, seed, error))
        fail("--init keys: " + error);
    }
  } else {
    if (!loadWeights(init, weights, error))
      fail("--init: " + error);
  }

  TrainOptions o;
  o.steps = steps;
  o.queriesPerStep = queriesPerStep;
  o.maxPositives = maxPositives;
  o.maxNegatives = maxNegatives;
  o.positiveFraction = positiveFraction;
  o.loss.gain = static_cast<float>(gain);
  o.finalGain = finalGain;
  o.loss.beta = static_cast<float>(beta);
  o.loss.margin = static_cast<float>(margin);
  o.learningRate =
      lr.getNumOccurrences() ? lr : defaultLearningRate(data.headDim);
  o.warmupFraction = warmup;
  o.adamw.beta1 = adamBeta1;
  o.adamw.beta2 = adamBeta2;
  o.adamw.weightDecay = weightDecay;
  o.adamw.clipNorm = clip;
  o.minContext = minContext;
  o.queryPool = queryPool;
  o.stepsPerText = stepsPerText;
  o.heldOutQueries = heldOut;
  o.logEvery = logEvery;
  o.keepBest = keepBest;
  o.seed = seed;
  o.threads = threads;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  std::printf("data      %s\n", dataDescription.c_str());
  std::printf("geometry  T=%lld in %zu sequence(s), QH=%lld KH=%lld D=%lld, "
              "CH=%s (%lld code heads)\n",
              (long long)data.tokens, data.sequenceLengths.size(),
              (long long)data.queryHeads, (long long)data.kvHeads,
              (long long)data.headDim, codeHeads == "qh" ? "QH" : "KH",
              (long long)weights.codeHeads);
  std::printf("recipe    %lld steps, <= %lld queries x (%lld pos + %lld neg) "
              "per step, top %.3g%% positives, softsign g=%g%s, beta=%g, "
              "margin=%g\n",
              (long long)o.steps, (long long)o.queriesPerStep,
              (long long)o.maxPositives, (long long)o.maxNegatives,
              100 * o.positiveFraction, gain.getValue(),
              o.finalGain > 0 ? (" -> " + std::to_string(o.finalGain)).c_str()
                              : "",
              beta.getValue(), margin.getValue());
  std::printf("optimizer AdamW lr=%g betas=(%g, %g) wd=%g, warm-up %.3g%%, "
              "cosine decay, clip %g; init %s, seed %llu, %d thread(s), %s "
              "kernels\n",
              o.learningRate, o.adamw.beta1, o.adamw.beta2, o.adamw.weightDecay,
              100 * o.warmupFraction, o.adamw.clipNorm, init.c_str(),
              (unsigned long long)o.seed,
              o.threads > 0 ? o.threads : (int)cores, kernelInstructionSet());
  std::fflush(stdout);

  double setupSeconds = 0, lastIoU = 0;
  const auto trainStart = std::chrono::steady_clock::now();
  bool first = true;
  auto progress = [&](const TrainProgress &p) {
    if (first) {
      setupSeconds = secondsSince(trainStart) - p.seconds;
      std::printf("setup     %.1f s (data %.1f s)\n", setupSeconds,
                  secondsSince(start) - secondsSince(trainStart));
      first = false;
    }
    lastIoU = o.keepBest ? p.bestIoU : p.heldOutIoU;
    char loss[32] = "     -";
    if (p.step > 0)
      std::snprintf(loss, sizeof(loss), "%.4f", p.loss);
    std::printf("step %5lld/%lld  lr %.2e  loss %s  held-out IoU@%g%% %.4f "
                "(best %.4f)  %.1f s\n",
                (long long)p.step, (long long)p.steps, p.learningRate, loss,
                100 * o.heldOutBudget, p.heldOutIoU, p.bestIoU, p.seconds);
    std::fflush(stdout);
  };
  if (!trainHashWeights(*source, o, weights, progress, error))
    fail(error);
  const double total = secondsSince(start);

  char number[64];
  std::map<std::string, std::string> metadata;
  metadata["format"] = "spotlight-hash-mlp";
  metadata["code_heads"] = codeHeads;
  metadata["data"] = dataDescription;
  metadata["steps"] = std::to_string(o.steps);
  metadata["seed"] = std::to_string(o.seed);
  std::snprintf(number, sizeof(number), "%.4f", lastIoU);
  metadata["held_out_iou"] = number;
  std::snprintf(number, sizeof(number), "%.1f", total);
  metadata["train_seconds"] = number;
  if (!saveWeights(outFile, weights, metadata, error))
    fail(error);
  std::printf("wrote     %s (w1/w2 [%lld,%lld,%lld], b1/b2 [%lld,%lld] f32); "
              "total %.1f s\n",
              outFile.c_str(), (long long)weights.codeHeads,
              (long long)weights.headDim, (long long)weights.headDim,
              (long long)weights.codeHeads, (long long)weights.headDim, total);
  return 0;
}
