"""The torch ops over ragged paged batches against the naive float64
reference (naive_reference.py): key codes bit for bit, selected sets exactly,
outputs within SEMANTICS.md's tolerances. Fresh random inputs each run."""

import math

import numpy as np
import pytest
import torch

import naive_reference as ref

# Bits whose pre-sign value is this close to 0 may differ between correct f32
# implementations: the inputs are drawn again until none is that close.
MARGIN = 1e-3
QH, KH, D = 4, 2, 64
PAGE = 8
SINK, WINDOW, COUNT = 4, 16, 24
SHARED = (3, 4, 2)  # sequence 4 shares sequence 3's first 2 pages

TOL = {torch.float32: 1e-5, torch.bfloat16: 1e-2}


def rounded(x, dtype):
    return torch.from_numpy(x).to(dtype).to(torch.float64).numpy()


def random_weights(rng, ch, dtype):
    sd = 1.0 / math.sqrt(D)
    w = {"w1": rng.normal(0, sd, (ch, D, D)), "b1": rng.normal(0, 0.1, (ch, D)),
         "w2": rng.normal(0, sd, (ch, D, D)), "b2": rng.normal(0, 0.1, (ch, D))}
    return {n: torch.from_numpy(a).to(dtype) for n, a in w.items()}


def clean_rows(rng, shape, heads_of, w64, dtype):
    """Normal rows [..., H, D] (rounded to dtype, float64) none of whose
    pre-sign values under the code heads heads_of(h) is within MARGIN of 0."""
    x = rounded(rng.normal(0, 1, shape), dtype)
    while True:
        bad = np.zeros(shape[:-1], dtype=bool)
        for h in range(shape[-2]):
            for c in heads_of(h):
                pre = ref.pre_sign(x[..., h, :], w64["w1"][c], w64["b1"][c],
                                   w64["w2"][c], w64["b2"][c])
                bad[..., h] |= (np.abs(pre) < MARGIN).any(-1)
        if not bad.any():
            return x
        x[bad] = rounded(rng.normal(0, 1, (int(bad.sum()), shape[-1])), dtype)


class Batch:
    """A ragged paged batch: shuffled pages, garbage past each sequence's
    pages, NaN in the slots no sequence owns, a shared prefix page run."""

    def __init__(self, rng, p, dtype, w64, extra_pages=5):
        # Lengths: empty, short (every token selected), exactly 5 pages, and
        # two with selection and a partial last page; the last sequence
        # shares its first 2 pages with the 4th.
        lens = [0, int(rng.integers(1, SINK + WINDOW + COUNT + 1)), 5 * PAGE,
                int(PAGE * rng.integers(8, 20) + rng.integers(1, PAGE)),
                int(PAGE * rng.integers(20, 40) + rng.integers(1, PAGE))]
        self.lens = lens
        pages_of = [(n + PAGE - 1) // PAGE for n in lens]
        src, dst, shared = SHARED
        own = list(pages_of)
        own[dst] -= shared
        self.num_pages = sum(own) + extra_pages
        perm = rng.permutation(self.num_pages).tolist()
        self.max_pages = max(pages_of) + 2
        table = np.full((len(lens), self.max_pages), -1, dtype=np.int32)
        table[1::2] = rng.integers(10**6, 2 * 10**6, table[1::2].shape)
        for b, n in enumerate(pages_of):
            for i in range(n):
                if b == dst and i < shared:
                    table[b, i] = table[src, i]
                else:
                    table[b, i] = perm.pop()
        self.block_table = table
        # Keys/values per sequence; the shared prefix is the same tokens.
        heads_of = p.key_code_heads
        self.keys, self.values = [], []
        for b, n in enumerate(lens):
            k = clean_rows(rng, (n, KH, D), heads_of, w64, dtype)
            v = rounded(rng.normal(0, 1, (n, KH, D)), dtype)
            if b == dst:
                k[:shared * PAGE] = self.keys[src][:shared * PAGE]
                v[:shared * PAGE] = self.values[src][:shared * PAGE]
            self.keys.append(k)
            self.values.append(v)
        self.query = clean_rows(rng, (len(lens), QH, D),
                                lambda q: [p.code_head(q)], w64, dtype)

    def writes(self, rng):
        """(keys [T,KH,D], values, slots [T]) of every token once, shuffled,
        with a few skipped (-1) tokens of garbage."""
        src, dst, shared = SHARED
        ks, vs, slots = [], [], []
        for b, n in enumerate(self.lens):
            for t in range(n):
                if b == dst and t < shared * PAGE:
                    continue
                slots.append(self.block_table[b, t // PAGE] * PAGE + t % PAGE)
                ks.append(self.keys[b][t])
                vs.append(self.values[b][t])
        for _ in range(3):
            slots.append(-1)
            ks.append(rng.normal(0, 1, (KH, D)))
            vs.append(rng.normal(0, 1, (KH, D)))
        order = rng.permutation(len(slots))
        return (np.stack(ks)[order], np.stack(vs)[order],
                np.asarray(slots, dtype=np.int32)[order])


# CUDA runs where torch sees a GPU (the GPU machine's bundle carries the
# sm_90 artifacts, compiled here).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
CONFIGS = [
    pytest.param(dtype, mode, ch, device,
                 id=f"{name}-{mode}-ch{ch}-{device}")
    for device in DEVICES
    for dtype, name in ((torch.float32, "f32"), (torch.bfloat16, "bf16"))
    for mode in ("group", "head") for ch in ("qh", "kh")
]


def make_problem(make_decoder, dtype, mode, ch, seed, weight_dtype=torch.float32,
                 device="cpu", **budget):
    print(f"seed = {seed}")  # shown by pytest when the test fails
    rng = np.random.default_rng(seed)
    chn = QH if ch == "qh" else KH
    weights = random_weights(rng, chn, weight_dtype)
    w64 = {n: t.to(torch.float64).numpy() for n, t in weights.items()}
    budget = budget or {"budget": COUNT}
    dec = make_decoder(weights, query_heads=QH, kv_heads=KH, head_dim=D,
                       page_size=PAGE, dtype=dtype, sink=SINK, window=WINDOW,
                       mode=mode, device=device, **budget)
    count = budget["budget"] if isinstance(budget["budget"], int) else 0
    fraction = budget["budget"] if count == 0 else 0.0
    p = ref.Params(QH, KH, D, chn, mode, SINK, WINDOW, count, fraction,
                   budget.get("min_budget", 20))
    return rng, dec, p, w64


def fill(dec, batch, rng, dtype):
    """Pools with NaN/garbage everywhere, then every token written in two
    calls (a prefill, then the rest, like a decode step's append)."""
    k_cache, v_cache, code_cache = dec.new_cache(batch.num_pages)
    k_cache.fill_(float("nan"))
    v_cache.fill_(float("nan"))
    code_cache.copy_(torch.randint(-2**31, 2**31 - 1, code_cache.shape,
                                   dtype=torch.int32))
    dev = k_cache.device
    keys, values, slots = batch.writes(rng)
    cut = len(slots) * 3 // 4
    for part in (slice(0, cut), slice(cut, None)):
        torch.ops.spotlight.paged_write(
            dec.handle, torch.from_numpy(keys[part]).to(dev, dtype),
            torch.from_numpy(values[part]).to(dev, dtype),
            torch.from_numpy(np.ascontiguousarray(slots[part])).to(dev),
            k_cache, v_cache, code_cache)
    return k_cache, v_cache, code_cache


def rel_err(got, want):
    num = np.linalg.norm(got - want)
    den = np.linalg.norm(want)
    return num / den if den else num


def check_sets(indices, sets, lens):
    """indices [B, S, M]: the reference's sets exactly, ascending, -1 padded."""
    for b, n in enumerate(lens):
        for s, expected in enumerate(sets[b]):
            row = indices[b, s]
            valid = row[row >= 0]
            assert list(valid) == expected, (b, s, n)
            m = len(valid)
            assert (row[:m] >= 0).all() and (row[m:] == -1).all(), (b, s)
            if n == 0:
                assert (row == -1).all()


@pytest.mark.parametrize("dtype,mode,ch,device", CONFIGS)
def test_paged_step_matches_reference(make_decoder, dtype, mode, ch, device):
    rng, dec, p, w64 = make_problem(make_decoder, dtype, mode, ch,
                                    seed=np.random.SeedSequence().entropy,
                                    device=device)
    # What bench/gpu/prepare.sh compiles for a GPU machine is what this loads.
    assert dict(dec.spec, target="cpu") in artifact_specs("cpu")
    batch = Batch(rng, p, dtype, w64)
    k_cache, v_cache, code_cache = fill(dec, batch, rng, dtype)
    qcodes, kcodes, sets, sparse, dense = ref.step(
        p, batch.query, batch.keys, batch.values, w64, batch.lens)

    # The pools: every token's K, V and key codes at its slot, bit for bit.
    table = batch.block_table
    codes = code_cache.cpu().numpy()
    for b, n in enumerate(batch.lens):
        got_codes = ref.gather_sequence(codes, table[b], n, PAGE)
        assert np.array_equal(got_codes, kcodes[b]), f"key codes of seq {b}"
        got_k = ref.gather_sequence(k_cache.cpu().double().numpy(),
                                    table[b], n, PAGE)
        assert np.array_equal(got_k, batch.keys[b])

    query = torch.from_numpy(batch.query).to(device, dtype)
    block_table = torch.from_numpy(table).to(device)
    seq_lens = torch.tensor(batch.lens, dtype=torch.int32, device=device)

    indices = torch.ops.spotlight.paged_select(dec.handle, query, code_cache,
                                               block_table, seq_lens)
    assert indices.dtype == torch.int32
    assert indices.shape == (len(batch.lens), dec.selection_sets,
                             dec.selection_slots)
    check_sets(indices.cpu().numpy(), sets, batch.lens)

    out, indices2 = torch.ops.spotlight.paged_decode(
        dec.handle, query, k_cache, v_cache, code_cache, block_table, seq_lens)
    assert out.dtype == dtype and out.shape == query.shape
    check_sets(indices2.cpu().numpy(), sets, batch.lens)
    out64 = out.cpu().double().numpy()
    for b, n in enumerate(batch.lens):
        if n == 0:
            assert (out64[b] == 0).all()
        else:
            assert rel_err(out64[b], sparse[b]) < TOL[dtype], f"sparse seq {b}"

    dense_out = torch.ops.spotlight.paged_decode_dense(
        dec.handle, query, k_cache, v_cache, block_table, seq_lens)
    dense64 = dense_out.cpu().double().numpy()
    for b, n in enumerate(batch.lens):
        if n == 0:
            assert (dense64[b] == 0).all()
        else:
            assert rel_err(dense64[b], dense[b]) < TOL[dtype], f"dense seq {b}"
        if n <= SINK + WINDOW + COUNT:
            # Every token selected: the sparse step is dense attention.
            assert rel_err(out64[b], dense64[b]) < TOL[dtype]

    # The SparseDecoder methods are the same ops; preallocated outputs too.
    out3 = torch.full_like(out, float("nan"))
    idx3 = torch.full_like(indices, 7)
    dec.decode(query, k_cache, v_cache, code_cache, block_table, seq_lens,
               out=out3, indices=idx3)
    assert torch.equal(out3, out) and torch.equal(idx3, indices2)
    out4, idx4 = dec.decode(query, k_cache, v_cache, code_cache, block_table,
                            seq_lens)
    assert torch.equal(out4, out) and torch.equal(idx4, indices2)
    assert torch.equal(dec.select(query, code_cache, block_table, seq_lens),
                       indices)
    assert torch.equal(dec.dense(query, k_cache, v_cache, block_table,
                                 seq_lens), dense_out)


def test_fraction_budget_and_bf16_weights(make_decoder):
    """budget as a fraction (k = max(min_budget, floor(f N))) with hash
    weights stored in bf16."""
    dtype = torch.float32
    rng, dec, p, w64 = make_problem(make_decoder, dtype, "group", "qh",
                             seed=np.random.SeedSequence().entropy,
                             weight_dtype=torch.bfloat16, budget=0.1,
                             min_budget=6, max_tokens=1024)
    assert dec.weight_dtype == torch.bfloat16
    batch = Batch(rng, p, dtype, w64)
    k_cache, v_cache, code_cache = fill(dec, batch, rng, dtype)
    _, _, sets, sparse, _ = ref.step(p, batch.query, batch.keys, batch.values,
                                     w64, batch.lens)
    out, indices = dec.decode(torch.from_numpy(batch.query).to(dtype), k_cache,
                              v_cache, code_cache,
                              torch.from_numpy(batch.block_table),
                              torch.tensor(batch.lens, dtype=torch.int32))
    check_sets(indices.numpy(), sets, batch.lens)
    for b, n in enumerate(batch.lens):
        if n:
            assert rel_err(out[b].double().numpy(), sparse[b]) < TOL[dtype]


def test_weight_dtype_by_name(cache_dir):
    """weight_dtype='bf16' with the default weights: those weights in bf16,
    as when they are passed."""
    import spotlight
    w = spotlight.default_hash_weights(QH, D, "bf16")
    assert all(t.dtype == torch.bfloat16 for t in w.values())
    args = dict(query_heads=QH, kv_heads=KH, head_dim=D, page_size=PAGE,
                dtype=torch.float32, budget=0.1, sink=SINK, window=WINDOW,
                min_budget=6, max_tokens=1024, cache_dir=cache_dir)
    named = spotlight.SparseDecoder(weight_dtype="bf16", **args)
    given = spotlight.SparseDecoder(weights=w, **args)
    assert named.weight_dtype == torch.bfloat16
    n = 40
    k, v, c = named.new_cache(n // PAGE)
    tokens = (torch.randn(n, KH, D), torch.randn(n, KH, D),
              torch.randperm(n).int())
    query = torch.randn(1, QH, D)
    table = torch.arange(n // PAGE, dtype=torch.int32)[None]
    lens = torch.tensor([n], dtype=torch.int32)
    got = []
    for dec in (named, given):
        dec.write(*tokens, k, v, c)
        got.append(dec.decode(query, k, v, c, table, lens))
        dec.close()
    assert all(torch.equal(a, b) for a, b in zip(*got))


def test_schema_declares_mutated_caches():
    import spotlight  # noqa: F401  (registers the ops)
    schema = torch.ops.spotlight.paged_write.default._schema
    written = {a.name for a in schema.arguments
               if a.alias_info is not None and a.alias_info.is_write}
    assert written == {"k_cache", "v_cache", "code_cache"}
    for op in (torch.ops.spotlight.paged_decode.default,
               torch.ops.spotlight.paged_select.default,
               torch.ops.spotlight.paged_decode_dense.default):
        assert not any(a.alias_info is not None and a.alias_info.is_write
                       for a in op._schema.arguments), op
    out_schema = torch.ops.spotlight.paged_decode.out._schema
    written = {a.name for a in out_schema.arguments
               if a.alias_info is not None and a.alias_info.is_write}
    assert written == {"out", "indices"}


def artifact_specs(target):
    """The artifacts test_paged_step_matches_reference needs on `target`
    (bench/gpu/prepare.sh compiles them for a GPU machine, which has no
    compiler)."""
    import spotlight
    return [spotlight.artifact_spec(QH, KH, D, PAGE, ch, dtype, torch.float32,
                                    COUNT, SINK, WINDOW, mode, target=target)
            for dtype in (torch.float32, torch.bfloat16)
            for mode in ("group", "head") for ch in ("qh", "kh")]

