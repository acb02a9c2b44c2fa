"""A decoder shared by threads, closed under a running step, copied, and the
ops after a reload of spotlight.ops. Each case runs in a child process: the
failures they guard against are hangs and crashes."""

import os
import subprocess
import sys
import textwrap

PRELUDE = """
import os, threading, time
import torch, spotlight
QH, KH, D, PAGE, N, B = 4, 2, 64, 8, 256, 64
def make():
    return spotlight.SparseDecoder(
        QH, KH, D, PAGE, spotlight.default_hash_weights(QH, D, seed=1),
        torch.float32, budget=8, sink=2, window=4, max_tokens=N)
def fill(dec):
    k, v, c = dec.new_cache(N // PAGE)
    write = (torch.randn(N, KH, D), torch.randn(N, KH, D),
             torch.randperm(N).int(), k, v, c)
    dec.write(*write)
    table = torch.randperm(N // PAGE).int().repeat(B, 1)
    lens = torch.randint(0, N + 1, (B,), dtype=torch.int32)
    return write, (torch.randn(B, QH, D), k, v, c, table, lens)
"""


def run(body, cache_dir, timeout=60):
    """Runs PRELUDE + body in a child; its exit status and output."""
    env = dict(os.environ, SPOTLIGHT_CACHE_DIR=cache_dir)
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)], env=env,
        text=True, capture_output=True, timeout=timeout,
        cwd=os.path.join(os.path.dirname(__file__), ".."))
    return done.returncode, done.stdout + done.stderr


def test_threads_share_a_decoder(cache_dir):
    """Two threads stepping one decoder (ctypes drops the GIL) take turns,
    with the results of one thread; the runtime hung without the lock."""
    rc, out = run("""
        dec = make()
        write, (q, k, v, c, table, lens) = fill(dec)
        want = (dec.decode(q, k, v, c, table, lens),
                dec.select(q, c, table, lens), dec.dense(q, k, v, table, lens))
        wrong = []
        def worker():
            stop = time.time() + 0.3
            while time.time() < stop:
                dec.write(*write)  # the same tokens again: nothing changes
                got = (dec.decode(q, k, v, c, table, lens),
                       dec.select(q, c, table, lens),
                       dec.dense(q, k, v, table, lens))
                dec.last_step_ms()
                if not all(torch.equal(a, b) for a, b in zip(
                        (*got[0], *got[1:]), (*want[0], *want[1:]))):
                    wrong.append(1)
        threads = [threading.Thread(target=worker, daemon=True)
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        if any(t.is_alive() for t in threads):
            print("hung", flush=True)
            os._exit(1)
        print("wrong" if wrong else "ok")
        """, cache_dir)
    assert rc == 0 and out.strip() == "ok", out


def test_close_waits_for_a_running_step(cache_dir):
    """close() from one thread while another is inside a step frees after
    it returns; the step after that is refused (it used to crash)."""
    rc, out = run("""
        import random
        for _ in range(5):
            dec = make()
            _, (q, k, v, c, table, lens) = fill(dec)
            inside, refused = threading.Event(), []
            def worker():
                try:
                    while True:
                        inside.set()
                        dec.dense(q, k, v, table, lens)
                except spotlight.SpotlightError as e:
                    refused.append(e)
            t = threading.Thread(target=worker)
            t.start()
            inside.wait()
            time.sleep(random.uniform(0, 0.005))
            dec.close()
            t.join()
            assert refused, "the worker did not stop"
        print("ok")
        """, cache_dir)
    assert rc == 0 and out.strip() == "ok", out


def test_a_decoder_cannot_be_copied(cache_dir):
    """A copy would share the native decoder and free it twice."""
    rc, out = run("""
        import copy, pickle
        dec = make()
        _, (q, k, v, c, table, lens) = fill(dec)
        want = dec.dense(q, k, v, table, lens)
        for fn in (copy.copy, copy.deepcopy, pickle.dumps):
            try:
                fn(dec)
                print(fn.__name__, "made a copy")
            except TypeError as e:
                assert "make a new one" in str(e), e
        assert torch.equal(dec.dense(q, k, v, table, lens), want)
        dec.close()
        print("ok")
        """, cache_dir)
    assert rc == 0 and out.strip() == "ok", out


def test_ops_survive_a_reload(cache_dir):
    """importlib.reload(spotlight.ops) (Jupyter's autoreload) keeps the ops
    defined and dispatching to their own schema."""
    rc, out = run("""
        import gc, importlib, spotlight.ops
        dec = make()
        _, (q, k, v, c, table, lens) = fill(dec)
        want = dec.decode(q, k, v, c, table, lens)
        importlib.reload(spotlight.ops)
        gc.collect()
        spotlight.ops.register()
        got = dec.decode(q, k, v, c, table, lens)
        assert all(torch.equal(a, b) for a, b in zip(got, want))
        assert torch.equal(dec.select(q, c, table, lens), want[1])
        print("ok")
        """, cache_dir)
    assert rc == 0 and out.strip() == "ok", out
