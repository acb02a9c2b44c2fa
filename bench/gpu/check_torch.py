#!/usr/bin/env python3
"""The GPU device check over a bundle made by bench/gpu/prepare.sh: no MLIR or
LLVM, only libspotlight_runtime.so, precompiled artifacts, the Python package
and torch.

    python3 check_torch.py --bundle DIR            # on the GPU machine
    python3 check_torch.py --bundle DIR --prepare  # here: compile artifacts
    python3 check_torch.py --bundle DIR --device cpu --tokens 4096 --batch32 0
                                                   # a smoke run on the CPU

1. Correctness: the pytest suite's paged step on CUDA (python/tests, exact
   selected sets and SEMANTICS.md's tolerances against the naive float64
   reference), then at each timed size our dense step against torch's.
2. Timing with CUDA events (medians), side by side in one run, Qwen2.5-7B
   geometry (QH=28, KH=4, D=128, bf16, budget 0.02, page 16): our retrieval,
   sparse step and dense step; torch scaled_dot_product_attention dense
   decode; the published method's path in plain torch (hash the query,
   popcount scores, torch.topk, gather, SDPA). B = 1 at N = 32K, 128K, 512K,
   and B = 32 at N = 32K. One table, printed and written to $OUT.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time

QH, KH, D, PAGE, BUDGET, SINK, WINDOW = 28, 4, 128, 16, 0.02, 4, 64
MAX_TOKENS = 524288
CHIPS = ("sm_90", "sm_80")


def setup_env(bundle):
    os.environ["SPOTLIGHT_RUNTIME"] = os.path.join(bundle, "lib",
                                                   "libspotlight_runtime.so")
    os.environ["SPOTLIGHT_CACHE_DIR"] = os.path.join(bundle, "artifacts")
    sys.path.insert(0, os.path.join(bundle, "python"))
    sys.path.insert(0, os.path.join(bundle, "python", "tests"))


def timed_spec(spotlight, torch, target):
    return spotlight.artifact_spec(QH, KH, D, PAGE, "qh", torch.bfloat16,
                                   torch.float32, BUDGET, SINK, WINDOW,
                                   "group", max_tokens=MAX_TOKENS,
                                   target=target)


def prepare(bundle, chips):
    """Here: the artifacts of the timed geometry and of the test suite."""
    import torch
    import spotlight
    import test_paged_ops
    for chip in chips:
        specs = [timed_spec(spotlight, torch, chip)]
        if chip == chips[0]:
            specs += test_paged_ops.artifact_specs(chip)
        for spec in specs:
            path = spotlight.compile_artifact(spec)
            print(f"compiled {os.path.basename(path)} "
                  f"({os.path.getsize(path) // 1024} KiB)")


# -- the peers in plain torch ---------------------------------------------------
def popcount32(x):
    """Per-element popcount of int32 words (SWAR, in int64)."""
    x = x.to(torch_mod.int64) & 0xFFFFFFFF
    x = x - ((x >> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F
    return ((x * 0x01010101) & 0xFFFFFFFF) >> 24


def hash_query(q, w):
    """Query codes [B, QH, W] int32 (SEMANTICS.md), f32 arithmetic."""
    t = torch_mod
    x = q.float()
    h1 = t.nn.functional.silu(t.einsum("bcd,cde->bce", x, w["w1"]) +
                              w["b1"]) + x
    h2 = t.einsum("bcd,cde->bce", h1, w["w2"]) + w["b2"] + h1
    bits = (h2 > 0).to(t.int64).view(*h2.shape[:-1], -1, 32)
    words = (bits << t.arange(32, device=q.device)).sum(-1)
    return (words - ((words >> 31) << 32)).to(t.int32)


def sdpa(q, k, v):
    """Dense decode attention: q [B, QH, D], k, v [B, KH, N, D]."""
    t = torch_mod
    F = t.nn.functional
    g = q.shape[1] // k.shape[1]
    if hasattr(F, "scaled_dot_product_attention"):
        try:
            return F.scaled_dot_product_attention(
                q[:, :, None], k, v, enable_gqa=True)[:, :, 0]
        except TypeError:  # torch < 2.5: no enable_gqa
            return F.scaled_dot_product_attention(
                q[:, :, None], k.repeat_interleave(g, 1),
                v.repeat_interleave(g, 1))[:, :, 0]
    kk, vv = k.repeat_interleave(g, 1).float(), v.repeat_interleave(g, 1).float()
    p = (t.einsum("bhd,bhnd->bhn", q.float(), kk) / math.sqrt(q.shape[-1]))
    return t.einsum("bhn,bhnd->bhd", p.softmax(-1), vv).to(q.dtype)


def published_path(q, k, v, codes, w, n, with_indices=False):
    """Hash the query, popcount scores, torch.topk, gather, SDPA (the
    published method's decode step written in torch). codes [B, KH, N, G, W].
    Scores carry the position in their low bits, so torch.topk breaks ties
    to the more recent token as SEMANTICS.md does and the sets compare."""
    t = torch_mod
    b = q.shape[0]
    g = QH // KH
    qc = hash_query(q, w).view(b, KH, 1, g, -1)
    scores = D - popcount32(qc ^ codes).sum(-1)          # [B, KH, N, G]
    scores = scores.sum(-1)                               # group mode
    k_count = max(20, int(BUDGET * n))
    positions = t.arange(n, device=q.device)
    middle = ((scores << 20) + positions)[:, :, SINK:n - WINDOW]
    top = t.topk(middle, k_count, dim=-1).indices + SINK
    fixed = t.cat([t.arange(SINK, device=q.device),
                   t.arange(n - WINDOW, n, device=q.device)])
    idx = t.cat([fixed.expand(b, KH, -1), top], -1)     # [B, KH, M]
    gathered = idx[..., None].expand(-1, -1, -1, D)
    out = sdpa(q, k.gather(2, gathered), v.gather(2, gathered))
    return (out, idx) if with_indices else out


def cuda_median_ms(fn, reps, device):
    t = torch_mod
    for _ in range(3):
        fn()
    if device == "cpu":
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)
    t.cuda.synchronize()
    times = []
    for _ in range(reps):
        s, e = t.cuda.Event(enable_timing=True), t.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    return statistics.median(times)


def run_size(spotlight, dec, w, b, n, reps, device):
    """Fills a paged cache of b sequences of n tokens; checks, then times."""
    t = torch_mod
    gen = t.Generator(device=device).manual_seed(b * 1000003 + n)
    pages = b * (n // PAGE)
    k_cache, v_cache, code_cache = dec.new_cache(pages)
    table = t.randperm(pages, device=device, generator=gen).to(t.int32)
    table = table.view(b, n // PAGE)
    slots = (table.long()[:, :, None] * PAGE +
             t.arange(PAGE, device=device)).view(-1).to(t.int32)
    chunk = 65536
    for first in range(0, b * n, chunk):
        m = min(chunk, b * n - first)
        keys = t.randn(m, KH, D, device=device, generator=gen).to(t.bfloat16)
        values = t.randn(m, KH, D, device=device, generator=gen).to(
            t.bfloat16)
        dec.write(keys, values, slots[first:first + m].contiguous(), k_cache,
                  v_cache, code_cache)
    seq_lens = t.full((b,), n, dtype=t.int32, device=device)
    query = t.randn(b, QH, D, device=device, generator=gen).to(t.bfloat16)
    out = t.empty(b, QH, D, dtype=t.bfloat16, device=device)
    indices = t.empty(b, dec.selection_sets, dec.selection_slots,
                      dtype=t.int32, device=device)
    # The same tokens contiguous, for the torch peers ([B, KH, N, ...]).
    order = table.long()
    k = k_cache[order].view(b, n, KH, D).transpose(1, 2).contiguous()
    v = v_cache[order].view(b, n, KH, D).transpose(1, 2).contiguous()
    codes = code_cache[order].view(b, n, KH, QH // KH, D // 32).transpose(
        1, 2).contiguous()

    ours_dense = dec.dense(query, k_cache, v_cache, table, seq_lens)
    theirs = sdpa(query, k, v)
    err = ((ours_dense.float() - theirs.float()).norm() /
           theirs.float().norm()).item()
    dec.decode(query, k_cache, v_cache, code_cache, table, seq_lens, out=out,
               indices=indices)
    pub, pub_idx = published_path(query, k, v, codes, w, n, True)
    sel_err = ((out.float() - pub.float()).norm() / pub.float().norm()).item()
    # Sets: equal but where a query bit's pre-sign value is near 0 (f32
    # rounding may flip it); count the rows that differ.
    ours_sets = indices.long()
    theirs = pub_idx.sort(-1).values
    same = sum(int(t.equal(ours_sets[i, h][ours_sets[i, h] >= 0], theirs[i, h]))
               for i in range(b) for h in range(KH))

    args = (query, k_cache, v_cache, code_cache, table, seq_lens)
    row = {
        "B": b, "N": n, "dense err": err, "sparse vs torch path": sel_err,
        "same sets": f"{same}/{b * KH}",
        "ours select": cuda_median_ms(
            lambda: dec.select(query, code_cache, table, seq_lens), reps,
            device),
        "ours sparse": cuda_median_ms(
            lambda: dec.decode(*args, out=out, indices=indices), reps, device),
        "ours dense": cuda_median_ms(
            lambda: dec.dense(query, k_cache, v_cache, table, seq_lens), reps,
            device),
        "torch SDPA dense": cuda_median_ms(lambda: sdpa(query, k, v), reps,
                                           device),
        "torch published path": cuda_median_ms(
            lambda: published_path(query, k, v, codes, w, n), reps, device),
    }
    del k_cache, v_cache, code_cache, k, v, codes
    if device == "cuda":
        t.cuda.empty_cache()
    return row


def table_text(rows, header):
    cols = ["B", "N", "ours select", "ours sparse", "ours dense",
            "torch SDPA dense", "torch published path", "dense err",
            "sparse vs torch path", "same sets"]
    lines = [header, "",
             "| " + " | ".join(cols) + " |",
             "|" + "---|" * len(cols)]
    for r in rows:
        cells = []
        for c in cols:
            x = r.get(c, "")
            if c in ("B", "N"):
                cells.append(str(x))
            elif "err" in c or "vs" in c:
                cells.append(f"{x:.1e}" if isinstance(x, float) else str(x))
            else:
                cells.append(f"{x:.3f} ms" if isinstance(x, float) else str(x))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    global torch_mod
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--prepare", action="store_true",
                    help="compile the artifacts into the bundle (here)")
    ap.add_argument("--chips", default=" ".join(CHIPS))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tokens", default="32768,131072,524288")
    ap.add_argument("--batch32", type=int, default=32768,
                    help="N of the B = 32 row (0: none)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--skip-tests", action="store_true")
    args = ap.parse_args()
    bundle = os.path.abspath(args.bundle)
    setup_env(bundle)
    if args.prepare:
        prepare(bundle, args.chips.split())
        return 0
    os.environ.setdefault("SPOTLIGHT_COMPILE", "/nonexistent")  # never compile
    import torch
    torch_mod = torch
    import spotlight

    failures = []
    if not args.skip_tests and args.device == "cuda":
        tests = os.path.join(bundle, "python", "tests")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", tests, "-q", "-p",
             "no:cacheprovider", "-k", "matches_reference and cuda"],
            capture_output=True, text=True)
        print(done.stdout[-3000:] + done.stderr[-2000:])
        if done.returncode != 0:
            failures.append("pytest (CUDA step vs the naive reference)")

    device = args.device
    target = "cpu"
    if device == "cuda":
        cc = torch.cuda.get_device_capability()
        target = "sm_80" if cc[0] < 9 else "sm_90"
    w = spotlight.default_hash_weights(QH, D)
    dec = spotlight.SparseDecoder(
        QH, KH, D, PAGE, w, torch.bfloat16, BUDGET, SINK, WINDOW, "group",
        device=device, max_tokens=MAX_TOKENS, chip=None if device == "cpu"
        else target)
    wd = {n: x.to(device) for n, x in w.items()}
    sizes = [(1, int(n)) for n in args.tokens.split(",") if n]
    if args.batch32:
        sizes.append((32, args.batch32))
    rows = []
    for b, n in sizes:
        try:
            row = run_size(spotlight, dec, wd, b, n, args.reps, device)
        except Exception as e:  # report it in the table, go on
            row = {"B": b, "N": n, "ours select": f"failed: {e}"[:200]}
            failures.append(f"B={b} N={n}: {e}")
        rows.append(row)
        if isinstance(row.get("dense err"), float) and row["dense err"] > 1e-2:
            failures.append(f"B={b} N={n}: dense error {row['dense err']:.2e}")
        print(row, flush=True)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    text = table_text(rows, f"Spotlight device check on {name} ({target}), "
                      f"torch {torch.__version__}; QH={QH} KH={KH} D={D} "
                      f"bf16, budget {BUDGET}, page {PAGE}, median of "
                      f"{args.reps}")
    if failures:
        text += "\nFAILED: " + "; ".join(failures) + "\n"
    print(text)
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "gpu-check.md"), "w") as f:
            f.write(text)
    return 1 if failures else 0


torch_mod = None

if __name__ == "__main__":
    sys.exit(main())
