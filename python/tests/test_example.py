"""examples/python/decode_llama.py runs end to end: prefill, two decode
steps with the dense and the sparse step, and its comparison printed."""

import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_decode_llama_two_steps(cache_dir):
    env = dict(os.environ, SPOTLIGHT_CACHE_DIR=cache_dir)
    cmd = [sys.executable, os.path.join(ROOT, "examples", "python",
                                        "decode_llama.py"),
           "--layers", "1", "--hidden", "128", "--intermediate", "256",
           "--vocab", "256", "--query-heads", "8", "--kv-heads", "2",
           "--head-dim", "64", "--batch", "2", "--prompt", "200",
           "--steps", "2", "--budget", "16", "--window", "32"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)%\s+([\d.]+)%$", out,
                      re.M)
    assert [r[0] for r in rows] == ["0", "1"], out
    assert [int(r[1]) for r in rows] == [200, 201], out
    for r in rows:
        assert math.isfinite(float(r[2])) and float(r[2]) >= 0, out
        assert 0 < float(r[4]) <= 100.0001, out
    for name in ("dense", "spotlight"):
        m = re.search(rf"^{name}\s+([\d.]+) tokens/s", out, re.M)
        assert m and float(m.group(1)) > 0, out
