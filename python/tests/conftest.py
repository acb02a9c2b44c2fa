"""pytest setup: `import spotlight` from this source tree, and one artifact
cache per run ($SPOTLIGHT_CACHE_DIR when set, as the ctest entry does, so
artifacts are compiled once per build)."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return os.environ.get("SPOTLIGHT_CACHE_DIR") or \
        str(tmp_path_factory.mktemp("spotlight-artifacts"))


_decoders = {}


@pytest.fixture(scope="session")
def make_decoder(cache_dir):
    """A decoder per configuration, made once per session."""
    import spotlight

    def make(weights, **kwargs):
        key = repr(sorted(kwargs.items())) + repr(
            [(n, weights[n].dtype, tuple(weights[n].shape),
              float(weights[n].double().sum())) for n in sorted(weights)])
        if key not in _decoders:
            _decoders[key] = spotlight.SparseDecoder(
                weights=weights, cache_dir=cache_dir, **kwargs)
        return _decoders[key]

    return make
