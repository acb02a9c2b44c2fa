"""The ops' fake kernels: on meta tensors, under FakeTensor and in make_fx
(and torch.compile where torch has it) each op gives the outputs the CPU
kernel gives for tensors of the same shapes, without reading or writing
data; decode's out= variant checks its outputs as the runtime does."""

import pytest
import torch

import spotlight
from spotlight import SpotlightError

# test_paged_ops.py's geometry: its artifacts are already in the cache.
QH, KH, D, PAGE = 4, 2, 64, 8
SINK, WINDOW, COUNT = 4, 16, 24
LENS = [0, 5, 30]  # an empty sequence, one within the window, one selecting
PAGES, MAX_PAGES = 7, 5

CONFIGS = [
    pytest.param((dtype, mode, ch), id=f"{name}-{mode}-ch{ch}")
    for dtype, name, mode, ch in ((torch.float32, "f32", "group", "qh"),
                                  (torch.float32, "f32", "head", "kh"),
                                  (torch.bfloat16, "bf16", "group", "kh"),
                                  (torch.bfloat16, "bf16", "head", "qh"))
]

TORCH_MAJOR = int(torch.__version__.split(".")[0])


@pytest.fixture(params=CONFIGS)
def dec(request, make_decoder):
    dtype, mode, ch = request.param
    weights = spotlight.default_hash_weights(QH if ch == "qh" else KH, D,
                                             seed=2)
    return make_decoder(weights, query_heads=QH, kv_heads=KH, head_dim=D,
                        page_size=PAGE, dtype=dtype, budget=COUNT, sink=SINK,
                        window=WINDOW, mode=mode)


def inputs(dec, device="cpu"):
    """The ops' arguments: pools of PAGES pages, a batch of LENS, the new
    tokens' keys/values/slots (real data on the CPU, none on meta)."""
    n = sum(LENS)
    shapes = {
        "query": ((len(LENS), QH, D), dec.dtype),
        "keys": ((n, KH, D), dec.dtype), "values": ((n, KH, D), dec.dtype),
        "slots": ((n,), torch.int32),
        "k": ((PAGES, PAGE, KH, D), dec.dtype),
        "v": ((PAGES, PAGE, KH, D), dec.dtype),
        "c": ((PAGES, PAGE, KH, dec.codes_per_head, D // 32), torch.int32),
        "table": ((len(LENS), MAX_PAGES), torch.int32),
        "lens": ((len(LENS),), torch.int32),
    }
    if device == "meta":
        return {name: torch.empty(shape, dtype=dtype, device="meta")
                for name, (shape, dtype) in shapes.items()}
    g = torch.Generator().manual_seed(0)
    a = {name: torch.randn(shape, generator=g).to(dtype)
         for name, (shape, dtype) in shapes.items() if dtype != torch.int32}
    k, v, c = dec.new_cache(PAGES)
    table = torch.full((len(LENS), MAX_PAGES), -1, dtype=torch.int32)
    table[1, 0], table[2, :4] = 6, torch.tensor([2, 0, 5, 1])
    a.update(k=k, v=v, c=c, table=table,
             lens=torch.tensor(LENS, dtype=torch.int32),
             slots=torch.tensor([int(table[b, t // PAGE]) * PAGE + t % PAGE
                                 for b, n in enumerate(LENS)
                                 for t in range(n)], dtype=torch.int32))
    return a


def run_all(dec, a):
    """Every op once, in a decode step's order; their results."""
    ops = torch.ops.spotlight
    h = dec.handle
    wrote = ops.paged_write(h, a["keys"], a["values"], a["slots"], a["k"],
                            a["v"], a["c"])
    out, indices = ops.paged_decode(h, a["query"], a["k"], a["v"], a["c"],
                                    a["table"], a["lens"])
    out2, indices2 = torch.empty_like(out), torch.empty_like(indices)
    got = ops.paged_decode.out(h, a["query"], a["k"], a["v"], a["c"],
                               a["table"], a["lens"], out=out2,
                               indices=indices2)
    assert got[0] is out2 and got[1] is indices2
    selected = ops.paged_select(h, a["query"], a["c"], a["table"], a["lens"])
    dense = ops.paged_decode_dense(h, a["query"], a["k"], a["v"], a["table"],
                                   a["lens"])
    return {"write": wrote, "decode.out": out, "decode.indices": indices,
            "out.out": out2, "out.indices": indices2, "select": selected,
            "dense": dense}


def signature(results):
    return {name: None if t is None else (tuple(t.shape), t.dtype)
            for name, t in results.items()}


@pytest.mark.parametrize("batch", [3, 0])
def test_meta_outputs_match_cpu(dec, batch):
    real = inputs(dec)
    meta = inputs(dec, "meta")
    if batch == 0:  # an empty batch (a step with no decode sequence)
        for a in (real, meta):
            for name in ("query", "table", "lens"):
                a[name] = a[name][:0]
    want = signature(run_all(dec, real))
    got = run_all(dec, meta)
    assert signature(got) == want
    assert all(t.device.type == "meta" for t in got.values() if t is not None)
    assert want["write"] is None
    assert want["decode.out"] == ((batch, QH, D), dec.dtype)
    assert want["decode.indices"] == ((batch, dec.selection_sets,
                                       dec.selection_slots), torch.int32)


def test_meta_out_variant_checks_outputs(dec):
    """A wrong out= or indices= is refused on meta with the status the
    runtime gives the same mistake on the CPU."""
    real, meta = inputs(dec), inputs(dec, "meta")
    other = torch.float32 if dec.dtype == torch.bfloat16 else torch.bfloat16
    B, S, M = len(LENS), dec.selection_sets, dec.selection_slots
    wrong = [("out", (B - 1, QH, D), dec.dtype, (B, S, M), "SPT_ERROR_SHAPE"),
             ("out", (B, QH, D), other, (B, S, M), "SPT_ERROR_TYPE"),
             ("indices", (B, QH, D), dec.dtype, (B, S, M + 1),
              "SPT_ERROR_SHAPE"),
             ("indices", (B, QH, D), dec.dtype, (B, S), "SPT_ERROR_SHAPE")]
    for name, out_shape, out_dtype, idx_shape, status in wrong:
        for a in (real, meta):
            device = a["query"].device
            out = torch.zeros(out_shape, dtype=out_dtype, device=device)
            idx = torch.zeros(idx_shape, dtype=torch.int32, device=device)
            with pytest.raises(SpotlightError) as e:
                torch.ops.spotlight.paged_decode.out(
                    dec.handle, a["query"], a["k"], a["v"], a["c"],
                    a["table"], a["lens"], out=out, indices=idx)
            assert e.value.status == status, (device, str(e.value))
            assert f"{name} must be" in str(e.value)
    with pytest.raises(SpotlightError) as e:  # int32 indices, as the runtime
        torch.ops.spotlight.paged_decode.out(
            dec.handle, meta["query"], meta["k"], meta["v"], meta["c"],
            meta["table"], meta["lens"],
            out=torch.empty((B, QH, D), dtype=dec.dtype, device="meta"),
            indices=torch.empty((B, S, M), dtype=torch.int64, device="meta"))
    assert e.value.status == "SPT_ERROR_TYPE"


def test_meta_needs_a_live_decoder(cache_dir):
    dec = spotlight.SparseDecoder(QH, KH, D, PAGE, None, torch.float32,
                                  budget=COUNT, sink=SINK, window=WINDOW,
                                  cache_dir=cache_dir)
    meta = inputs(dec, "meta")
    dec.close()
    with pytest.raises(SpotlightError, match="no live SparseDecoder"):
        torch.ops.spotlight.paged_decode_dense(
            dec.handle, meta["query"], meta["k"], meta["v"], meta["table"],
            meta["lens"])


def fake_mode():
    fake_tensor = pytest.importorskip("torch._subclasses.fake_tensor")
    return fake_tensor.FakeTensorMode()


def test_fake_tensors(dec):
    real = inputs(dec)
    want = signature(run_all(dec, real))
    mode = fake_mode()
    fake = {name: mode.from_tensor(t) for name, t in real.items()}
    with mode:
        got = run_all(dec, fake)
    assert signature(got) == want
    fake_type = type(fake["query"])
    assert all(type(t) is fake_type and t.device.type == "cpu"
               for t in got.values() if t is not None)


def step(handle, query, keys, values, slots, k, v, c, table, lens):
    """A model's decode step over the ops: append, then attend."""
    ops = torch.ops.spotlight
    ops.paged_write(handle, keys, values, slots, k, v, c)
    out, indices = ops.paged_decode(handle, query, k, v, c, table, lens)
    selected = ops.paged_select(handle, query, c, table, lens)
    dense = ops.paged_decode_dense(handle, query, k, v, table, lens)
    return out * 2, indices, selected, dense - out


ORDER = ("query", "keys", "values", "slots", "k", "v", "c", "table", "lens")


@pytest.mark.parametrize("tracing_mode", [
    "fake",
    pytest.param("symbolic", marks=pytest.mark.skipif(
        TORCH_MAJOR < 2, reason="torch 1.13's symbolic make_fx takes only "
        "aten ops")),
])
def test_make_fx_traces_the_ops(dec, tracing_mode):
    proxy_tensor = pytest.importorskip("torch.fx.experimental.proxy_tensor")
    a = inputs(dec)
    args = [a[n] for n in ORDER]

    def f(*args):
        return step(dec.handle, *args)

    pools = [t.clone() for t in (a["k"], a["v"], a["c"])]
    graph = proxy_tensor.make_fx(f, tracing_mode=tracing_mode)(*args)
    # Tracing ran the fake kernels only: the pools are as they were.
    assert all(torch.equal(x, y) for x, y in zip(pools, (a["k"], a["v"],
                                                          a["c"])))
    called = [str(n.target) for n in graph.graph.nodes
              if n.op == "call_function" and "spotlight" in str(n.target)]
    assert called == ["spotlight.paged_write.default",
                      "spotlight.paged_decode.default",
                      "spotlight.paged_select.default",
                      "spotlight.paged_decode_dense.default"]
    # The traced step is the step.
    b = inputs(dec)
    got = graph(*[b[n] for n in ORDER])
    want = f(*args)
    assert all(torch.equal(x, y) for x, y in zip(got, want))
    assert all(torch.equal(x, y) for x, y in zip(
        (a["k"], a["v"], a["c"]), (b["k"], b["v"], b["c"])))


@pytest.mark.skipif(not hasattr(torch, "compile"),
                    reason="torch.compile needs torch 2")
def test_torch_compile_traces_the_ops(dec):
    a, b = inputs(dec), inputs(dec)
    compiled = torch.compile(lambda *args: step(dec.handle, *args),
                             backend="eager", fullgraph=True)
    got = compiled(*[a[n] for n in ORDER])
    want = step(dec.handle, *[b[n] for n in ORDER])
    assert all(torch.equal(x, y) for x, y in zip(got, want))
