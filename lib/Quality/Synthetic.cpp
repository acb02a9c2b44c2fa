//===- Synthetic.cpp - Queries and keys shaped like an LLM layer's --------===//
//
// Per KV head h (all vectors in R^D):
//   key_t   = mu_k + sK * B_k z_t + sigK * e_t
//   query_t = mu_q + sQ * (sqrt(rho) B_k x_t + sqrt(1 - rho) B_q y_t) + sigQ *
//   e'_t
// with z, x, y ~ N(0, I_rank), e ~ N(0, I_D); B_k, B_q orthonormal rank-r
// bases orthogonal to the mean key direction; mu_q at `interConeDegrees` from
// mu_k. The scales follow from the requested cone angles (tan(angle) = |
// variation| / |mean|), and the part of mu_q inside span(B_k) (a head's
// static preference among keys) from the requested logit spread.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Synthetic.h"

#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace spotlight::quality {
namespace {

using Vec = std::vector<double>;

double dot(const Vec &a, const Vec &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

void normalize(Vec &v) {
  double n = std::sqrt(dot(v, v));
  for (double &x : v)
    x /= n;
}

/// Removes from v its components along the (orthonormal) `basis`.
void orthogonalize(Vec &v, const std::vector<Vec> &basis) {
  for (int pass = 0; pass < 2; ++pass) // twice is enough for stability
    for (const Vec &b : basis) {
      double c = dot(v, b);
      for (size_t i = 0; i < v.size(); ++i)
        v[i] -= c * b[i];
    }
}

Vec gaussian(Rng &rng, int64_t n) {
  Vec v(n);
  for (double &x : v)
    x = rng.normal();
  return v;
}

/// `count` orthonormal vectors orthogonal to `against`, appended to it too.
std::vector<Vec> orthonormalSet(Rng &rng, int64_t d, int64_t count,
                                std::vector<Vec> &against) {
  std::vector<Vec> out;
  for (int64_t i = 0; i < count; ++i) {
    Vec v = gaussian(rng, d);
    orthogonalize(v, against);
    normalize(v);
    against.push_back(v);
    out.push_back(v);
  }
  return out;
}

/// A unit vector with `share` of its squared norm on `channels` (random
/// signs and magnitudes) and the rest spread over the channels `band`
/// allows (all when it is empty).
Vec withOutliers(Rng &rng, int64_t d, const std::vector<int64_t> &channels,
                 double share, const std::vector<uint8_t> &band) {
  Vec spread = gaussian(rng, d);
  for (int64_t i = 0; i < d && !band.empty(); ++i)
    spread[i] *= band[i];
  normalize(spread);
  Vec spikes(d, 0.0);
  for (int64_t c : channels)
    spikes[c] = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform());
  if (!channels.empty())
    normalize(spikes);
  Vec v(d);
  for (int64_t i = 0; i < d; ++i)
    v[i] = std::sqrt(1 - share) * spread[i] + std::sqrt(share) * spikes[i];
  normalize(v);
  return v;
}

/// Rotates every query and key by its position in its sequence (RoPE,
/// rotate_half pairing).
void applyRope(Dataset &d, double base, int threads) {
  const int64_t D = d.headDim, half = D / 2;
  std::vector<double> frequency(half);
  for (int64_t i = 0; i < half; ++i)
    frequency[i] = std::pow(base, -2.0 * double(i) / double(D));
  auto rotate = [&](float *v, int64_t position) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = double(position) * frequency[i];
      const double c = std::cos(angle), s = std::sin(angle);
      const double a = v[i], b = v[i + half];
      v[i] = static_cast<float>(a * c - b * s);
      v[i + half] = static_cast<float>(b * c + a * s);
    }
  };
  parallelFor(d.tokens, threads, [&](int64_t t) {
    const int64_t position = t - d.sequenceStart[t];
    for (int64_t qh = 0; qh < d.queryHeads; ++qh)
      rotate(&d.queries[(t * d.queryHeads + qh) * D], position);
    for (int64_t h = 0; h < d.kvHeads; ++h)
      rotate(&d.keys[(t * d.kvHeads + h) * D], position);
  });
}

} // namespace

bool generateSynthetic(const SyntheticOptions &o, Dataset &out,
                       std::string &error, int threads) {
  const int64_t D = o.headDim, r = o.rank, QH = o.queryHeads, KH = o.kvHeads;
  auto bad = [&](const std::string &m) {
    error = "synthetic data: " + m;
    return false;
  };
  if (o.tokens <= 0 || QH <= 0 || KH <= 0 || QH % KH != 0)
    return bad("need T > 0 and QH a positive multiple of KH");
  if (D <= 0 || D % 32 != 0)
    return bad("D must be a positive multiple of 32");
  if (r < 1 || 2 * r + 2 > D)
    return bad("rank must be in [1, (D - 2) / 2]");
  if (o.outlierChannels < 0 || o.outlierChannels > D)
    return bad("outlier channels must be in [0, D]");
  for (double deg : {o.keyConeDegrees, o.queryConeDegrees, o.interConeDegrees})
    if (!(deg > 0 && deg < 90))
      return bad("angles must lie in (0, 90) degrees");
  if (!(o.keyNorm > 0 && o.queryNorm > 0 && o.logitStd >= 0 &&
        o.noiseShare >= 0 && o.noiseShare < 1 && o.queryAlignedShare >= 0 &&
        o.queryAlignedShare <= 1 && o.outlierShare >= 0 && o.outlierShare <= 1))
    return bad("norms must be positive and shares in [0, 1]");
  if (!(o.ropeBase == 0 || o.ropeBase > 1))
    return bad("rope-base must be 0 (off) or above 1");
  if (!(o.meanBand > 0 && o.meanBand <= 1))
    return bad("mean-band must be in (0, 1]");
  // The slowest-rotating RoPE pairs (i, i + D/2) with i in [D/2 - m, D/2).
  std::vector<uint8_t> band;
  const int64_t pairs = std::max<int64_t>(
      1, static_cast<int64_t>(std::lround(o.meanBand * double(D / 2))));
  if (pairs < D / 2) {
    band.assign(D, 0);
    for (int64_t i = D / 2 - pairs; i < D / 2; ++i)
      band[i] = band[i + D / 2] = 1;
  }
  if (o.outlierChannels > (band.empty() ? D : 2 * pairs))
    return bad("more outlier channels than the mean band holds");

  const double rad = M_PI / 180, nu = o.noiseShare, rho = o.queryAlignedShare;
  const double varK = std::pow(o.keyNorm * std::tan(o.keyConeDegrees * rad), 2);
  const double varQ =
      std::pow(o.queryNorm * std::tan(o.queryConeDegrees * rad), 2);
  const double sK = std::sqrt((1 - nu) * varK / r),
               sigK = std::sqrt(nu * varK / D);
  const double sQ = std::sqrt((1 - nu) * varQ / r),
               sigQ = std::sqrt(nu * varQ / D);
  // Variance over keys of q.k for a query q: sK^2 |B_k^T q|^2 + sigK^2 |q|^2.
  // Averaged over queries, |B_k^T q|^2 = P^2 + rho (1 - nu) varQ with P the
  // norm of mu_q inside span(B_k); solve for P given the logit spread.
  const double inter = o.interConeDegrees * rad;
  const double perp = o.queryNorm * std::sin(inter);
  double c2 = (o.logitStd * o.logitStd * D -
               sigK * sigK * (o.queryNorm * o.queryNorm + varQ)) /
              (sK * sK);
  double p2 = std::clamp(c2 - rho * (1 - nu) * varQ, 0.0, perp * perp);
  const double aligned = std::sqrt(p2) / perp;

  Dataset d;
  d.tokens = o.tokens;
  d.queryHeads = QH;
  d.kvHeads = KH;
  d.headDim = D;
  d.sequenceLengths = o.sequenceLengths;
  d.queries.assign(o.tokens * QH * D, 0.0f);
  d.keys.assign(o.tokens * KH * D, 0.0f);
  const int64_t G = QH / KH;

  parallelFor(KH, threads, [&](int64_t h) {
    // The layer: outlier channels, the key cone, then each query head's cone.
    Rng layer(deriveSeed(o.layerSeed, h));
    std::vector<int64_t> channels;
    while (static_cast<int64_t>(channels.size()) < o.outlierChannels) {
      int64_t c = static_cast<int64_t>(layer.below(D));
      if (std::find(channels.begin(), channels.end(), c) == channels.end() &&
          (band.empty() || band[c]))
        channels.push_back(c);
    }
    Vec muK = withOutliers(layer, D, channels, o.outlierShare, band);
    std::vector<Vec> used = {muK};
    std::vector<Vec> Bk = orthonormalSet(layer, D, r, used);

    struct QueryCone {
      Vec mu;
      std::vector<Vec> own;
    };
    std::vector<QueryCone> cones(G);
    for (int64_t j = 0; j < G; ++j) {
      Rng qLayer(deriveSeed(o.layerSeed, 0x10000 + h * G + j));
      Vec inside(D, 0.0), c0 = gaussian(qLayer, r);
      normalize(c0);
      for (int64_t i = 0; i < r; ++i)
        for (int64_t x = 0; x < D; ++x)
          inside[x] += c0[i] * Bk[i][x];
      Vec outside = withOutliers(qLayer, D, channels, o.outlierShare, band);
      std::vector<Vec> against = used;
      orthogonalize(outside, against);
      normalize(outside);
      against.push_back(outside);
      cones[j].mu.resize(D);
      for (int64_t x = 0; x < D; ++x) {
        double dir =
            aligned * inside[x] + std::sqrt(1 - aligned * aligned) * outside[x];
        cones[j].mu[x] =
            o.queryNorm * (std::cos(inter) * muK[x] + std::sin(inter) * dir);
      }
      cones[j].own = orthonormalSet(qLayer, D, r, against);
    }

    // The text: per-token variation, keys then each query head.
    Rng text(deriveSeed(o.tokenSeed, h));
    Vec z(r);
    for (int64_t t = 0; t < o.tokens; ++t) {
      for (double &v : z)
        v = text.normal();
      float *k = &d.keys[(t * KH + h) * D];
      for (int64_t x = 0; x < D; ++x) {
        double v = o.keyNorm * muK[x] + sigK * text.normal();
        for (int64_t i = 0; i < r; ++i)
          v += sK * z[i] * Bk[i][x];
        k[x] = static_cast<float>(v);
      }
    }
    for (int64_t j = 0; j < G; ++j) {
      Rng qText(deriveSeed(o.tokenSeed, 0x10000 + h * G + j));
      Vec xa(r), yb(r);
      for (int64_t t = 0; t < o.tokens; ++t) {
        for (int64_t i = 0; i < r; ++i) {
          xa[i] = qText.normal() * sQ * std::sqrt(rho);
          yb[i] = qText.normal() * sQ * std::sqrt(1 - rho);
        }
        float *q = &d.queries[(t * QH + h * G + j) * D];
        for (int64_t x = 0; x < D; ++x) {
          double v = cones[j].mu[x] + sigQ * qText.normal();
          for (int64_t i = 0; i < r; ++i)
            v += xa[i] * Bk[i][x] + yb[i] * cones[j].own[i][x];
          q[x] = static_cast<float>(v);
        }
      }
    }
  });
  error = d.finalize();
  if (!error.empty())
    return false;
  if (o.ropeBase > 0)
    applyRope(d, o.ropeBase, threads);
  out = std::move(d);
  return true;
}

namespace {
bool parseInt(const std::string &text, int64_t &out) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}

bool parseDouble(const std::string &text, double &out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", v);
  return buffer;
}
} // namespace

bool parseSyntheticSpec(const std::string &spec, SyntheticOptions &o,
                        std::string &error) {
  if (spec.empty() || spec == "default")
    return true;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string item = spec.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      error = "synthetic spec: expected key=value, got '" + item + "'";
      return false;
    }
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    int64_t i = 0;
    double d = 0;
    bool ok = true;
    if (key == "seq-lens") {
      o.sequenceLengths.clear();
      size_t at = 0;
      while (ok && at <= value.size()) {
        size_t colon = value.find(':', at);
        ok = parseInt(value.substr(at, colon == std::string::npos
                                           ? std::string::npos
                                           : colon - at),
                      i);
        o.sequenceLengths.push_back(i);
        at = colon == std::string::npos ? value.size() + 1 : colon + 1;
      }
    } else if (key == "tokens" || key == "qh" || key == "kh" || key == "d" ||
               key == "rank" || key == "outliers") {
      ok = parseInt(value, i);
      (key == "tokens" ? o.tokens
       : key == "qh"   ? o.queryHeads
       : key == "kh"   ? o.kvHeads
       : key == "d"    ? o.headDim
       : key == "rank" ? o.rank
                       : o.outlierChannels) = i;
    } else if (key == "layer-seed" || key == "text-seed") {
      ok = parseInt(value, i);
      (key == "layer-seed" ? o.layerSeed : o.tokenSeed) =
          static_cast<uint64_t>(i);
    } else {
      double *slot = key == "key-norm"        ? &o.keyNorm
                     : key == "key-cone"      ? &o.keyConeDegrees
                     : key == "query-norm"    ? &o.queryNorm
                     : key == "query-cone"    ? &o.queryConeDegrees
                     : key == "inter-cone"    ? &o.interConeDegrees
                     : key == "logit-std"     ? &o.logitStd
                     : key == "aligned"       ? &o.queryAlignedShare
                     : key == "noise"         ? &o.noiseShare
                     : key == "outlier-share" ? &o.outlierShare
                     : key == "rope-base"     ? &o.ropeBase
                     : key == "mean-band"     ? &o.meanBand
                                              : nullptr;
      if (!slot) {
        error = "synthetic spec: unknown key '" + key + "'";
        return false;
      }
      ok = parseDouble(value, d);
      *slot = d;
    }
    if (!ok) {
      error = "synthetic spec: bad value in '" + item + "'";
      return false;
    }
  }
  return true;
}

std::string syntheticSpec(const SyntheticOptions &o) {
  std::string s = "tokens=" + std::to_string(o.tokens);
  if (!o.sequenceLengths.empty()) {
    s += ",seq-lens=";
    for (size_t i = 0; i < o.sequenceLengths.size(); ++i)
      s += (i ? ":" : "") + std::to_string(o.sequenceLengths[i]);
  }
  s += ",qh=" + std::to_string(o.queryHeads) +
       ",kh=" + std::to_string(o.kvHeads) + ",d=" + std::to_string(o.headDim) +
       ",layer-seed=" + std::to_string(o.layerSeed) +
       ",text-seed=" + std::to_string(o.tokenSeed) +
       ",rank=" + std::to_string(o.rank) + ",key-norm=" + number(o.keyNorm) +
       ",key-cone=" + number(o.keyConeDegrees) +
       ",query-norm=" + number(o.queryNorm) +
       ",query-cone=" + number(o.queryConeDegrees) +
       ",inter-cone=" + number(o.interConeDegrees) +
       ",logit-std=" + number(o.logitStd) +
       ",aligned=" + number(o.queryAlignedShare) +
       ",noise=" + number(o.noiseShare) +
       ",outliers=" + std::to_string(o.outlierChannels) +
       ",outlier-share=" + number(o.outlierShare) +
       ",rope-base=" + number(o.ropeBase) + ",mean-band=" + number(o.meanBand);
  return s;
}

} // namespace spotlight::quality
