"""An independent, naive reference of one Spotlight decode step
(SEMANTICS.md) in float64 NumPy, over a paged cache. It shares nothing with
the package under test: hashing, popcount scores, the selection with its tie
rule and the softmax attention are spelled out here from the definition."""

import math

import numpy as np


def silu(x):
    return x / (1.0 + np.exp(-x))


def pre_sign(x, w1, b1, w2, b2):
    """h2 of SEMANTICS.md for rows x [..., D] (float64), one code head."""
    h1 = silu(x @ w1 + b1) + x
    return (h1 @ w2 + b2) + h1


def pack_bits(bits):
    """bits [..., D] bool -> words [..., D/32] as int32 (uint32, LSB first)."""
    *lead, d = bits.shape
    b = bits.reshape(*lead, d // 32, 32).astype(np.uint64)
    words = (b << np.arange(32, dtype=np.uint64)).sum(-1)
    return words.astype(np.uint32).view(np.int32)


def matching_bits(a, b):
    """popcount(~(a ^ b)) over the D bits of int32 word arrays [..., W]."""
    x = np.bitwise_xor(a.view(np.uint32), b.view(np.uint32))
    ones = np.unpackbits(x.view(np.uint8), axis=-1).sum(-1)
    return a.shape[-1] * 32 - ones.astype(np.int64)


class Params:
    def __init__(self, qh, kh, d, ch, mode, sink, window, count=0,
                 fraction=0.0, min_count=20):
        self.qh, self.kh, self.d, self.ch = qh, kh, d, ch
        self.g = qh // kh
        self.mode, self.sink, self.window = mode, sink, window
        self.count, self.fraction, self.min_count = count, fraction, min_count

    def code_head(self, q):
        return q if self.ch == self.qh else q // self.g

    def key_code_heads(self, h):
        """The code heads that hash keys of KV head h, in code-slot order."""
        if self.ch == self.qh:
            return [h * self.g + i for i in range(self.g)]
        return [h]

    def budget(self, n):
        if self.count > 0:
            return self.count
        return max(self.min_count, int(math.floor(self.fraction * n)))


def select(scores, p):
    """Selected positions (ascending) of one scored row over N tokens."""
    n = len(scores)
    k = p.budget(n)
    if n <= p.sink + p.window + k:
        return list(range(n))
    middle = range(p.sink, n - p.window)
    # Highest score first; ties to the larger (more recent) position.
    ranked = sorted(middle, key=lambda t: (-int(scores[t]), -t))
    chosen = set(range(p.sink)) | set(range(n - p.window, n)) | \
        set(ranked[:k])
    return sorted(chosen)


def attend(q, keys, values, tokens, scale):
    """softmax(scale q . k) v over `tokens`, float64."""
    if not tokens:
        return np.zeros_like(q)
    k, v = keys[tokens], values[tokens]
    logits = scale * (k @ q)
    logits -= logits.max()
    w = np.exp(logits)
    return (w / w.sum()) @ v


def gather_sequence(pool, block_table_row, n, page_size):
    """Rows [n, ...] of one sequence from a pool [P, page, ...]."""
    rows = [pool[block_table_row[t // page_size], t % page_size]
            for t in range(n)]
    return np.stack(rows) if rows else pool[:0, 0]


def step(p, query, keys, values, weights, seq_lens):
    """The reference step over per-sequence K/V.

    query [B, QH, D] float64; keys[b], values[b] [N_b, KH, D] float64;
    weights: w1, b1, w2, b2 float64 [CH, ...]. Returns the query codes
    [B, QH, W], the key codes per sequence [N_b, KH, C, W], the selections
    sets[b][s] (lists), sparse outputs [B, QH, D] and dense outputs."""
    w1, b1, w2, b2 = (weights[n] for n in ("w1", "b1", "w2", "b2"))
    batch = query.shape[0]
    scale = 1.0 / math.sqrt(p.d)
    qcodes = np.stack([np.stack([
        pack_bits(pre_sign(query[b, q], w1[p.code_head(q)], b1[p.code_head(q)],
                           w2[p.code_head(q)], b2[p.code_head(q)]) > 0)
        for q in range(p.qh)]) for b in range(batch)])
    kcodes, sets = [], []
    sparse = np.zeros_like(query)
    dense = np.zeros_like(query)
    for b in range(batch):
        n = int(seq_lens[b])
        kb = keys[b]
        codes = np.zeros((n, p.kh, len(p.key_code_heads(0)), p.d // 32),
                         dtype=np.int32)
        for h in range(p.kh):
            for slot, c in enumerate(p.key_code_heads(h)):
                codes[:, h, slot] = pack_bits(
                    pre_sign(kb[:, h], w1[c], b1[c], w2[c], b2[c]) > 0)
        kcodes.append(codes)
        # s[qh, t] over the key code of the code head that qh uses.
        s = np.zeros((p.qh, n), dtype=np.int64)
        for q in range(p.qh):
            h = q // p.g
            slot = p.key_code_heads(h).index(p.code_head(q))
            s[q] = matching_bits(np.broadcast_to(qcodes[b, q], codes[:, h, slot]
                                                 .shape), codes[:, h, slot])
        if p.mode == "group":
            rows = [s[h * p.g:(h + 1) * p.g].sum(0) for h in range(p.kh)]
        else:
            rows = list(s)
        chosen = [select(r, p) for r in rows]
        sets.append(chosen)
        for q in range(p.qh):
            h = q // p.g
            t = chosen[h] if p.mode == "group" else chosen[q]
            sparse[b, q] = attend(query[b, q], kb[:, h], values[b][:, h], t,
                                  scale)
            dense[b, q] = attend(query[b, q], kb[:, h], values[b][:, h],
                                 list(range(n)), scale)
    return qcodes, kcodes, sets, sparse, dense
