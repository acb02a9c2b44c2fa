"""Every error path: a Python exception that carries the runtime's (or the
compiler's) message, never a crash, and nothing changed by a failed call."""

import os
import stat
import subprocess
import sys

import pytest
import torch

import spotlight
from spotlight import SpotlightError

QH, KH, D, PAGE = 4, 2, 64, 8


def weights(ch=QH, dtype=torch.float32):
    return spotlight.default_hash_weights(ch, D, dtype, seed=1)


@pytest.fixture(scope="module")
def dec(make_decoder):
    return make_decoder(weights(), query_heads=QH, kv_heads=KH, head_dim=D,
                        page_size=PAGE, dtype=torch.float32, budget=8,
                        sink=2, window=4, mode="group", max_tokens=256)


@pytest.fixture()
def state(dec):
    """Pools of 6 pages; two sequences of 20 and 9 tokens written."""
    k, v, c = dec.new_cache(6)
    lens = [20, 9]
    table = torch.tensor([[3, 0, 5, -1], [1, 2, -1, -1]], dtype=torch.int32)
    slots = [int(table[b, t // PAGE]) * PAGE + t % PAGE
             for b, n in enumerate(lens) for t in range(n)]
    n = len(slots)
    dec.write(torch.randn(n, KH, D), torch.randn(n, KH, D),
              torch.tensor(slots, dtype=torch.int32), k, v, c)
    return {"query": torch.randn(2, QH, D), "k": k, "v": v, "c": c,
            "table": table, "lens": torch.tensor(lens, dtype=torch.int32)}


def decode(dec, s, **changed):
    a = dict(s, **changed)
    return dec.decode(a["query"], a["k"], a["v"], a["c"], a["table"],
                      a["lens"])


def raises(status, *words):
    """pytest.raises for a SpotlightError whose message names `words`."""
    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(SpotlightError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.ctx.__exit__(*exc)
            e = self.info.value
            assert e.status == status, str(e)
            for w in words:
                assert w in str(e), (w, str(e))
            return handled
    return Check()


def test_a_good_call_works(dec, state):
    out, idx = decode(dec, state)
    assert torch.isfinite(out).all() and idx.shape[:2] == (2, KH)


# -- tensors the Python layer refuses before the runtime --------------------
def test_unsupported_element_type(dec, state):
    with raises("SPT_ERROR_TYPE", "query", "torch.float64"):
        decode(dec, state, query=state["query"].double())
    with raises("SPT_ERROR_TYPE", "block_table", "torch.int64"):
        decode(dec, state, table=state["table"].long())


def test_not_contiguous(dec, state):
    q = torch.randn(2, D, QH).transpose(1, 2)
    with raises("SPT_ERROR_INVALID_ARGUMENT", "query", "contiguous"):
        decode(dec, state, query=q)
    k = state["k"].transpose(0, 1).contiguous().transpose(0, 1)
    with raises("SPT_ERROR_INVALID_ARGUMENT", "k_cache", "contiguous"):
        decode(dec, state, k=k)


def test_wrong_device(dec, state):
    with raises("SPT_ERROR_INVALID_ARGUMENT", "query", "meta", "cpu"):
        dec._decode(state["query"].to("meta"), state["k"], state["v"],
                    state["c"], state["table"], state["lens"],
                    torch.empty(2, QH, D), torch.empty(2, KH, 32,
                                                       dtype=torch.int32))


def test_not_a_tensor(dec, state):
    with raises("SPT_ERROR_INVALID_ARGUMENT", "k_cache", "torch.Tensor"):
        dec._write(torch.zeros(1, KH, D), torch.zeros(1, KH, D),
                   torch.zeros(1, dtype=torch.int32), [1, 2], state["v"],
                   state["c"])
    with pytest.raises((TypeError, RuntimeError)):
        dec.decode([[1.0]], state["k"], state["v"], state["c"],
                   state["table"], state["lens"])


def test_rank_above_six(dec, state):
    with raises("SPT_ERROR_SHAPE", "query", "rank 7"):
        decode(dec, state, query=torch.zeros(1, 1, 1, 1, 1, 1, 1))


# -- tensors the runtime refuses, with its message --------------------------
def test_runtime_type_error(dec, state):
    with raises("SPT_ERROR_TYPE", "query", "f32", "bf16"):
        decode(dec, state, query=state["query"].bfloat16())
    with raises("SPT_ERROR_TYPE", "code_cache", "i32"):
        decode(dec, state, c=state["c"].float())


def test_runtime_shape_errors(dec, state):
    with raises("SPT_ERROR_SHAPE", "query", f"[n, {QH}, {D}]"):
        decode(dec, state, query=torch.randn(2, QH + 1, D))
    with raises("SPT_ERROR_SHAPE", "k_cache"):
        decode(dec, state, k=torch.zeros(6, PAGE * 2, KH, D))
    with raises("SPT_ERROR_SHAPE", "v_cache"):
        decode(dec, state, v=torch.zeros(5, PAGE, KH, D))
    with raises("SPT_ERROR_SHAPE", "code_cache"):
        decode(dec, state, c=torch.zeros(6, PAGE, KH, 1, D // 32,
                                         dtype=torch.int32))
    with raises("SPT_ERROR_SHAPE", "block_table"):
        decode(dec, state, table=state["table"][0].contiguous())
    with raises("SPT_ERROR_SHAPE", "seq_lens"):
        decode(dec, state, lens=torch.tensor([20], dtype=torch.int32))
    with raises("SPT_ERROR_SHAPE", "out"):
        dec.decode(state["query"], state["k"], state["v"], state["c"],
                   state["table"], state["lens"],
                   out=torch.empty(2, QH, D + 1),
                   indices=torch.empty(2, KH, dec.selection_slots,
                                       dtype=torch.int32))
    with raises("SPT_ERROR_SHAPE", "indices"):
        dec.decode(state["query"], state["k"], state["v"], state["c"],
                   state["table"], state["lens"], out=torch.empty(2, QH, D),
                   indices=torch.empty(2, QH, dec.selection_slots,
                                       dtype=torch.int32))


def test_runtime_table_errors(dec, state):
    table = state["table"].clone()
    table[0, 1] = 6
    with raises("SPT_ERROR_INVALID_ARGUMENT", "block_table[0, 1] = 6"):
        decode(dec, state, table=table)
    table[0, 1] = -1
    with raises("SPT_ERROR_INVALID_ARGUMENT", "block_table[0, 1] = -1"):
        dec.select(state["query"], state["c"], table, state["lens"])
    with raises("SPT_ERROR_INVALID_ARGUMENT", "seq_lens", "sequence 1"):
        decode(dec, state, lens=torch.tensor([20, 40], dtype=torch.int32))
    with raises("SPT_ERROR_INVALID_ARGUMENT", "seq_lens", "-3"):
        dec.dense(state["query"], state["k"], state["v"], state["table"],
                  torch.tensor([20, -3], dtype=torch.int32))
    big = torch.zeros(2, 40, dtype=torch.int32)
    with raises("SPT_ERROR_INVALID_ARGUMENT", "max_tokens"):
        decode(dec, state, table=big,
               lens=torch.tensor([257, 0], dtype=torch.int32))


def test_write_errors_change_nothing(dec, state):
    k, v, c = state["k"], state["v"], state["c"]
    before = [t.clone() for t in (k, v, c)]
    keys, values = torch.randn(3, KH, D), torch.randn(3, KH, D)
    for slots, words in (([0, 5, 48], ("slot_mapping[2] = 48",)),
                         ([0, -2, 1], ("slot_mapping[1] = -2",)),
                         ([7, 9, 7], ("slot 7 twice",))):
        with raises("SPT_ERROR_INVALID_ARGUMENT", *words):
            dec.write(keys, values, torch.tensor(slots, dtype=torch.int32),
                      k, v, c)
    with raises("SPT_ERROR_SHAPE", "slot_mapping"):
        dec.write(keys, values, torch.tensor([0, 1], dtype=torch.int32),
                  k, v, c)
    with raises("SPT_ERROR_SHAPE", "values"):
        dec.write(keys, values[:2], torch.tensor([0, 1, 2], dtype=torch.int32),
                  k, v, c)
    with raises("SPT_ERROR_TYPE", "keys"):
        dec.write(keys.half(), values, torch.tensor([0, 1, 2],
                                                    dtype=torch.int32), k, v, c)
    with raises("SPT_ERROR_TYPE", "slot_mapping", "torch.int64"):
        dec.write(keys, values, torch.tensor([0, 1, 2]), k, v, c)
    for t, b in zip((k, v, c), before):
        assert torch.equal(t, b)


def test_empty_write_and_batch(dec, state):
    dec.write(torch.zeros(0, KH, D), torch.zeros(0, KH, D),
              torch.zeros(0, dtype=torch.int32), state["k"], state["v"],
              state["c"])
    out, idx = dec.decode(torch.zeros(0, QH, D), state["k"], state["v"],
                          state["c"], torch.zeros(0, 4, dtype=torch.int32),
                          torch.zeros(0, dtype=torch.int32))
    assert out.shape == (0, QH, D) and idx.shape[0] == 0


def test_freed_decoder(make_decoder, cache_dir):
    d = spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                budget=8, sink=2, window=4, max_tokens=256,
                                cache_dir=cache_dir)
    k, v, c = d.new_cache(1)
    handle = d.handle
    d.close()
    with raises("SPT_ERROR_INVALID_ARGUMENT", f"handle {handle}"):
        torch.ops.spotlight.paged_decode_dense(
            handle, torch.zeros(1, QH, D), k, v,
            torch.zeros(1, 1, dtype=torch.int32),
            torch.zeros(1, dtype=torch.int32))
    with raises("SPT_ERROR_INVALID_ARGUMENT", "null decoder"):
        d._dense(torch.zeros(1, QH, D), k, v,
                 torch.zeros(1, 1, dtype=torch.int32),
                 torch.zeros(1, dtype=torch.int32), torch.zeros(1, QH, D))


# -- construction ------------------------------------------------------------
def test_bad_arguments(cache_dir):
    def make(**kw):
        args = dict(query_heads=QH, kv_heads=KH, head_dim=D, page_size=PAGE,
                    weights=weights(), dtype=torch.float32, budget=8,
                    cache_dir=cache_dir)
        args.update(kw)
        return spotlight.SparseDecoder(**args)
    for budget in (0, -3, 1.5, 0.0, True, "8"):
        with pytest.raises(ValueError, match="budget"):
            make(budget=budget)
    with pytest.raises(ValueError, match="mode"):
        make(mode="both")
    with pytest.raises(ValueError, match="multiple of kv_heads"):
        make(query_heads=5, weights=weights(5))
    with pytest.raises(ValueError, match="dtype"):
        make(dtype=torch.float64)
    with pytest.raises(ValueError, match="device"):
        make(device="meta")
    with pytest.raises(ValueError, match="missing b2"):
        make(weights={n: t for n, t in weights().items() if n != "b2"})
    with pytest.raises(ValueError, match="CH = query_heads"):
        make(weights=weights(3))
    mixed = dict(weights(), b1=weights()["b1"].half())
    with pytest.raises(ValueError, match="one element type"):
        make(weights=mixed)


def test_runtime_refuses_weights(cache_dir):
    w = dict(weights(), b1=torch.zeros(QH, D + 1))
    with raises("SPT_ERROR_SHAPE", "b1"):
        spotlight.SparseDecoder(QH, KH, D, PAGE, w, torch.float32, budget=8,
                                sink=2, window=4, max_tokens=256,
                                cache_dir=cache_dir)


def test_compiler_error_is_carried(cache_dir):
    with raises("SPT_ERROR_ARTIFACT", "spotlight-compile failed", "32"):
        spotlight.SparseDecoder(QH, KH, 48, PAGE,
                                spotlight.default_hash_weights(QH, 48),
                                torch.float32, budget=8, cache_dir=cache_dir)


def test_artifact_errors(dec, tmp_path, cache_dir):
    with raises("SPT_ERROR_ARTIFACT", "nothing.spt"):
        spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                budget=8, artifact=tmp_path / "nothing.spt")
    junk = tmp_path / "junk.spt"
    junk.write_bytes(b"not an artifact")
    with raises("SPT_ERROR_ARTIFACT"):
        spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                budget=8, artifact=junk)
    # An artifact of another geometry (this one is f32, group, window 4).
    with raises("SPT_ERROR_ARTIFACT", "another geometry", "window"):
        spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                budget=8, sink=2, window=8, max_tokens=256,
                                artifact=dec.artifact_path)
    for changed, word in (({"budget": 9}, "budget_count"),
                          ({"budget": 0.5}, "budget_fraction"),
                          ({"max_tokens": 512}, "max_tokens"),
                          ({"dtype": torch.bfloat16}, "dtype"),
                          ({"mode": "head"}, "head_mode")):
        args = dict(budget=8, sink=2, window=4, max_tokens=256,
                    dtype=torch.float32, artifact=dec.artifact_path)
        args.update(changed)
        with raises("SPT_ERROR_ARTIFACT", "another geometry", word):
            spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), **args)


def test_artifact_cache_reuses_and_recovers(dec, cache_dir):
    path = dec.artifact_path
    assert os.path.dirname(path) == cache_dir and os.path.exists(path)
    again = spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                    budget=8, sink=2, window=4,
                                    max_tokens=256, cache_dir=cache_dir)
    assert again.artifact_path == path
    again.close()


def test_cached_artifact_mode_follows_umask(tmp_path):
    """Another user may load a shared cache: a compiled artifact has a new
    file's mode (0755 less the umask), not mkstemp's 0600."""
    spec = spotlight.artifact_spec(QH, KH, D, PAGE, dtype=torch.float32,
                                   budget=8, sink=2, window=4, max_tokens=256)
    umask = os.umask(0o027)
    try:
        path = spotlight.compile_artifact(spec, tmp_path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o750


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu(cache_dir):
    with raises("SPT_ERROR_NO_DEVICE"):
        spotlight.SparseDecoder(QH, KH, D, PAGE, weights(), torch.float32,
                                budget=8, device="cuda", cache_dir=cache_dir)


def test_missing_library():
    env = dict(os.environ, SPOTLIGHT_RUNTIME="/nonexistent/libspotlight.so")
    code = ("import spotlight, torch\n"
            "try:\n"
            "    spotlight.SparseDecoder(4, 2, 64, 8, None, torch.float32)\n"
            "except spotlight.SpotlightError as e:\n"
            "    print('refused:', e)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, text=True,
                          capture_output=True,
                          cwd=os.path.join(os.path.dirname(__file__), "..")
                          )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "SPOTLIGHT_RUNTIME" in done.stdout
