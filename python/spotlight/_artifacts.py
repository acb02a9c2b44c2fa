"""Ahead-of-time compilation of decode artifacts, cached by geometry.

An artifact (`spotlight-compile -o x.spt`) is compiled once per geometry and
target and kept in a cache folder ($SPOTLIGHT_CACHE_DIR, else
~/.cache/spotlight, or the `cache_dir=` keyword). Its file name spells the
geometry, so a folder filled elsewhere (bench/gpu/prepare.sh) serves a
machine that has no compiler. A CPU artifact is compiled for the host CPU
(--cpu=native), so its name also carries a fingerprint of that CPU: machines
with different CPUs sharing a cache (an NFS home) keep one file each instead
of refusing and recompiling each other's. When the compiler is found and is
newer than a cached artifact, or the runtime refuses the cached file, it is
compiled again.
"""

import functools
import glob
import hashlib
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading

from ._runtime import SpotlightError

_COMPILE = "spotlight-compile"
_umask_lock = threading.Lock()


def compiler_path():
    """$SPOTLIGHT_COMPILE, $SPOTLIGHT_BUILD_DIR/bin, the build tree next to
    this package, then PATH; None when there is none."""
    env = os.environ.get("SPOTLIGHT_COMPILE")
    if env:
        return env if os.path.exists(env) else None
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("SPOTLIGHT_BUILD_DIR")
    roots = [build] if build else []
    roots.append(os.path.join(os.path.dirname(os.path.dirname(here)), "build"))
    for root in roots:
        path = os.path.join(root, "bin", _COMPILE)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(_COMPILE)


def cache_dir(override=None):
    if override:
        return os.fspath(override)
    env = os.environ.get("SPOTLIGHT_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "spotlight")


def budget_text(budget):
    """The --budget flag: a positive int count or a float fraction in (0, 1]."""
    if isinstance(budget, bool):
        raise ValueError(f"budget must be an int count or a float fraction, "
                         f"got {budget!r}")
    if isinstance(budget, int):
        if budget <= 0:
            raise ValueError(f"budget must be a positive count, got {budget}")
        return str(budget)
    if isinstance(budget, float):
        if not 0.0 < budget <= 1.0:
            raise ValueError(
                f"a fraction budget must be in (0, 1], got {budget}")
        text = repr(budget)
        return text if any(c in text for c in ".eE") else text + ".0"
    raise ValueError(f"budget must be an int count or a float fraction, "
                     f"got {type(budget).__name__}")


def compile_flags(spec):
    """spotlight-compile flags of a geometry `spec` (a dict, see decoder.py)."""
    flags = [
        f"--qh={spec['query_heads']}", f"--kh={spec['kv_heads']}",
        f"--d={spec['head_dim']}", f"--code-heads={spec['code_heads']}",
        f"--dtype={spec['dtype']}", f"--weight-dtype={spec['weight_dtype']}",
        f"--mode={spec['mode']}", f"--sink={spec['sink']}",
        f"--window={spec['window']}", f"--budget={spec['budget']}",
        f"--min-budget={spec['min_budget']}",
        f"--max-tokens={spec['max_tokens']}",
        f"--page-size={spec['page_size']}",
    ]
    if spec["target"] == "cpu":
        flags.append("--target=cpu")
    else:
        flags += ["--target=cuda", f"--chip={spec['target']}"]
    return flags


# The lines of /proc/cpuinfo that say which code a CPU runs and how LLVM's
# --cpu=native tunes for it: x86's vendor, family, model and flags; arm64's
# implementer, architecture, variant, part and features. Not the clock,
# stepping, microcode, or the core's ids, which vary within one machine.
_CPUINFO_KEYS = ("vendor_id", "cpu family", "model", "flags",
                 "CPU implementer", "CPU architecture", "CPU variant",
                 "CPU part", "Features")
_FLAG_KEYS = ("flags", "Features")


def cpu_identity(cpuinfo="/proc/cpuinfo"):
    """The text that identifies the host CPU: the first processor's
    _CPUINFO_KEYS lines of `cpuinfo` (flags sorted), after the machine's
    architecture; off Linux, or where none of those lines is there, what
    `platform` says of the processor."""
    fields = {}
    try:
        with open(cpuinfo, errors="replace") as f:
            for line in f:
                if not line.strip():
                    if fields:  # the end of the first processor's block
                        break
                    continue
                key, sep, value = line.partition(":")
                key = key.strip()
                if sep and key in _CPUINFO_KEYS and key not in fields:
                    value = value.strip()
                    if key in _FLAG_KEYS:
                        value = " ".join(sorted(set(value.split())))
                    fields[key] = value
    except OSError:
        pass
    lines = [f"machine: {platform.machine()}"]
    if fields:
        lines += [f"{key}: {fields[key]}" for key in _CPUINFO_KEYS
                  if key in fields]
    else:
        lines += [f"system: {platform.system()}",
                  f"processor: {platform.processor()}"]
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def cpu_fingerprint():
    """8 hex digits naming the host CPU (a hash of cpu_identity()): the same
    on every run on one machine and on machines with the same CPU, different
    for CPUs with other features."""
    return hashlib.sha256(cpu_identity().encode()).hexdigest()[:8]


def _geometry_parts(spec):
    return [
        f"qh{spec['query_heads']}", f"kh{spec['kv_heads']}",
        f"d{spec['head_dim']}", f"ch{spec['code_heads']}", spec["dtype"],
        f"w{spec['weight_dtype']}", spec["mode"], f"s{spec['sink']}",
        f"win{spec['window']}", f"b{spec['budget']}",
        f"min{spec['min_budget']}", f"max{spec['max_tokens']}",
        f"p{spec['page_size']}",
    ]


def artifact_name(spec):
    """A file name that spells the geometry and the target (stable across
    runs): `...-p16-sm_90.spt`, and for the CPU `...-p16-cpu-<fingerprint>.spt`
    with this host's cpu_fingerprint(), since the code is this CPU's."""
    target = spec["target"]
    if target == "cpu":
        target = f"cpu-{cpu_fingerprint()}"
    return "-".join(_geometry_parts(spec) + [target]) + ".spt"


def other_cpu_artifacts(spec, directory=None):
    """The cached CPU artifacts of `spec`'s geometry compiled on other CPUs
    (or named before names had the CPU), newest first: what a machine
    without a compiler may try, as the runtime refuses one whose
    instructions this CPU lacks. Empty for CUDA targets."""
    if spec["target"] != "cpu":
        return []
    folder = cache_dir(directory)
    stem = "-".join(_geometry_parts(spec) + ["cpu"])
    pattern = re.compile(re.escape(stem) + r"(-[0-9a-f]+)?\.spt")
    own = artifact_name(spec)
    found = []
    for path in glob.glob(os.path.join(glob.escape(folder),
                                       glob.escape(stem) + "*.spt")):
        name = os.path.basename(path)
        if name != own and pattern.fullmatch(name):
            try:
                found.append((os.path.getmtime(path), path))
            except OSError:  # removed meanwhile
                pass
    return [path for _, path in sorted(found, reverse=True)]


def artifact_path(spec, directory=None):
    """Where the cached artifact of `spec` is (or will be compiled)."""
    return os.path.join(cache_dir(directory), artifact_name(spec))


def _umask():
    """The process umask, read without changing it where Linux shows it
    (os.umask alone can only read it by setting it, for every thread)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def compile_artifact(spec, path, compiler=None):
    """Compiles `spec` into `path` (atomically: a temporary file, renamed)."""
    compiler = compiler or compiler_path()
    if not compiler:
        raise SpotlightError(
            "SPT_ERROR_ARTIFACT",
            f"no artifact at {path} and no spotlight-compile to make one; "
            "build it (ninja -C build spotlight-compile), set "
            "SPOTLIGHT_COMPILE, or pass artifact= a compiled .spt")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".compiling-", suffix=".spt", dir=folder)
    os.close(fd)
    try:
        cmd = [compiler, *compile_flags(spec), "-o", tmp]
        done = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip()
            if len(message) > 4000:  # a crash's stack dump: keep its head
                message = message[:4000] + " [...]"
            raise SpotlightError(
                "SPT_ERROR_ARTIFACT",
                f"spotlight-compile failed ({' '.join(cmd[1:-2])}): {message}")
        # mkstemp made the file 0600: give it the mode the compiler gives a
        # new file, so other users can load a shared cache.
        os.chmod(tmp, 0o755 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def cached_artifact(spec, directory=None, recompile=False):
    """The path of the cached artifact of `spec`, compiled when missing or
    older than the compiler."""
    path = artifact_path(spec, directory)
    compiler = compiler_path()
    stale = recompile or not os.path.exists(path)
    if not stale and compiler:
        stale = os.path.getmtime(compiler) > os.path.getmtime(path)
    if stale:
        compile_artifact(spec, path, compiler)
    return path
