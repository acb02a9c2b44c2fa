"""Cached artifacts' file names: a CPU artifact's names the host CPU (it is
compiled for it), so machines sharing a cache keep one file each; CUDA names
are as bench/gpu/prepare.sh's bundles have them."""

import os
import re
import shutil
import subprocess
import sys

import pytest
import torch

import spotlight
from spotlight import SpotlightError, _artifacts

QH, KH, D, PAGE = 4, 2, 64, 8
GEOMETRY = dict(dtype=torch.float32, budget=8, sink=2, window=4,
                max_tokens=256)


def spec(target="cpu"):
    return spotlight.artifact_spec(QH, KH, D, PAGE, target=target, **GEOMETRY)


def decoder(cache_dir):
    return spotlight.SparseDecoder(QH, KH, D, PAGE, None, cache_dir=cache_dir,
                                   **GEOMETRY)


@pytest.fixture()
def cpu_named(monkeypatch):
    """Makes this host's CPU fingerprint the one given."""
    def set_fingerprint(fingerprint):
        monkeypatch.setattr(_artifacts, "cpu_fingerprint", lambda: fingerprint)
    return set_fingerprint


def test_two_cpus_get_two_names(cpu_named):
    cpu_named("0123abcd")
    a = _artifacts.artifact_name(spec())
    cpu_named("4567ef01")
    b = _artifacts.artifact_name(spec())
    assert a != b
    stem = "qh4-kh2-d64-chqh-f32-wf32-group-s2-win4-b8-min20-max256-p8-cpu"
    assert (a, b) == (stem + "-0123abcd.spt", stem + "-4567ef01.spt")


def test_the_fingerprint_is_stable():
    fingerprint = _artifacts.cpu_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{8}", fingerprint)
    _artifacts.cpu_fingerprint.cache_clear()
    assert _artifacts.cpu_fingerprint() == fingerprint
    name = _artifacts.artifact_name(spec())
    assert name.endswith(f"-cpu-{fingerprint}.spt")
    assert _artifacts.artifact_name(spec()) == name
    # ... and in another process.
    code = ("import spotlight, torch\n"
            "from spotlight import _artifacts\n"
            f"print(_artifacts.artifact_name(spotlight.artifact_spec("
            f"{QH}, {KH}, {D}, {PAGE}, dtype=torch.float32, budget=8, "
            f"sink=2, window=4, max_tokens=256)))\n")
    done = subprocess.run([sys.executable, "-c", code], text=True,
                          capture_output=True,
                          cwd=os.path.join(os.path.dirname(__file__), ".."))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == name


CPUINFO = """processor\t: {n}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: {model}
model name\t: Intel(R) Xeon(R) CPU
stepping\t: 7
microcode\t: 0x5003604
cpu MHz\t\t: {mhz}
apicid\t\t: {n}
flags\t\t: {flags}
bogomips\t: 4800.{n}

"""


def cpuinfo(tmp_path, name, flags, model=85, mhz=("2400.000", "3100.512")):
    path = tmp_path / name
    path.write_text("".join(CPUINFO.format(n=n, model=model, mhz=m,
                                           flags=flags)
                            for n, m in enumerate(mhz)))
    return str(path)


def test_cpu_identity(tmp_path):
    base = _artifacts.cpu_identity(cpuinfo(tmp_path, "a", "fpu sse2 avx2"))
    assert "avx2" in base and "GenuineIntel" in base and "MHz" not in base
    # The same CPU at another clock, flags listed in another order.
    same = cpuinfo(tmp_path, "b", "avx2 fpu sse2", mhz=("800.0", "1200.0"))
    assert _artifacts.cpu_identity(same) == base
    # Another instruction set, another model.
    for other in (cpuinfo(tmp_path, "c", "fpu sse2 avx2 avx512f"),
                  cpuinfo(tmp_path, "d", "fpu sse2 avx2", model=143)):
        assert _artifacts.cpu_identity(other) != base
    # arm64 names its features and part.
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nBogoMIPS\t: 50.00\n"
                   "Features\t: fp asimd sve\nCPU implementer\t: 0x41\n"
                   "CPU architecture: 8\nCPU part\t: 0xd40\n\n")
    assert "Features: asimd fp sve" in _artifacts.cpu_identity(str(arm))
    assert "CPU part: 0xd40" in _artifacts.cpu_identity(str(arm))
    # Without /proc/cpuinfo: what platform says.
    off_linux = _artifacts.cpu_identity(str(tmp_path / "none"))
    assert "processor:" in off_linux and off_linux.startswith("machine:")


def test_cuda_names_do_not_change(cpu_named):
    """bench/gpu/prepare.sh fills a bundle's cache for a GPU machine: its
    names carry the chip and nothing of the CPU that compiled them."""
    cpu_named("0123abcd")
    assert _artifacts.artifact_name(spec("sm_90")) == \
        "qh4-kh2-d64-chqh-f32-wf32-group-s2-win4-b8-min20-max256-p8-sm_90.spt"
    timed = spotlight.artifact_spec(28, 4, 128, 16, "qh", torch.bfloat16,
                                    torch.float32, 0.02, 4, 64, "group",
                                    max_tokens=524288, target="sm_80")
    assert _artifacts.artifact_name(timed) == \
        "qh28-kh4-d128-chqh-bf16-wf32-group-s4-win64-b0.02-min20-" \
        "max524288-p16-sm_80.spt"
    assert _artifacts.other_cpu_artifacts(spec("sm_90")) == []


def test_a_shared_cache_keeps_one_file_per_cpu(tmp_path, cpu_named):
    """Two machines with different CPUs on one cache: each compiles its own
    file once and then reuses it, never the other's."""
    cpu_named("aaaa0000")
    first = decoder(tmp_path)
    a, a_time = first.artifact_path, os.path.getmtime(first.artifact_path)
    first.close()
    cpu_named("bbbb1111")
    second = decoder(tmp_path)
    b = second.artifact_path
    second.close()
    assert a != b and os.path.basename(b).endswith("-cpu-bbbb1111.spt")
    cpu_named("aaaa0000")
    again = decoder(tmp_path)
    assert again.artifact_path == a and os.path.getmtime(a) == a_time
    again.close()
    assert sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(p) for p in (a, b))


@pytest.mark.parametrize("other", ["cpu-ffff0000", "cpu"])
def test_without_a_compiler_another_cpus_artifact_serves(
        tmp_path, cpu_named, monkeypatch, cache_dir, other):
    """No compiler here, and the cache has the geometry only for another CPU
    (or under the name before names had the CPU): that file is loaded when
    the runtime accepts it."""
    made = decoder(cache_dir)
    stem = _artifacts.artifact_name(spec()).rsplit("-cpu-", 1)[0]
    copied = tmp_path / f"{stem}-{other}.spt"
    shutil.copy(made.artifact_path, copied)
    made.close()
    cpu_named("1234abcd")
    monkeypatch.setenv("SPOTLIGHT_COMPILE", str(tmp_path / "no-compiler"))
    assert _artifacts.compiler_path() is None
    dec = decoder(tmp_path)
    assert dec.artifact_path == str(copied)
    out = dec.dense(torch.zeros(1, QH, D), *dec.new_cache(1)[:2],
                    torch.zeros(1, 1, dtype=torch.int32),
                    torch.zeros(1, dtype=torch.int32))
    assert out.shape == (1, QH, D)
    dec.close()
    os.unlink(copied)
    with pytest.raises(SpotlightError, match="no spotlight-compile"):
        decoder(tmp_path)
