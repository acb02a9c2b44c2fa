"""SparseDecoder: one compiled geometry, its hash weights, and the paged step
over caches the caller owns (SEMANTICS.md, "Paged KV layout")."""

import ctypes
import itertools
import math
import os
import threading
import weakref

import torch

from . import _artifacts, _runtime
from ._runtime import SpotlightError

__all__ = ["SparseDecoder", "default_hash_weights", "artifact_spec",
           "compile_artifact"]

_TO_SPT = {torch.float32: _runtime.F32, torch.float16: _runtime.F16,
           torch.bfloat16: _runtime.BF16, torch.int32: _runtime.I32}
_FROM_SPT = {code: dtype for dtype, code in _TO_SPT.items()}
# The runtime's names of element types, for messages.
_DTYPE_TEXT = {dtype: _runtime.DTYPE_NAMES[code]
               for dtype, code in _TO_SPT.items()}
_DTYPE_NAMES = {torch.float32: "f32", torch.float16: "f16",
                torch.bfloat16: "bf16"}
_NAMED_DTYPES = {"f32": torch.float32, "float32": torch.float32,
                 "f16": torch.float16, "float16": torch.float16,
                 "half": torch.float16, "bf16": torch.bfloat16,
                 "bfloat16": torch.bfloat16}

# A non-null address for tensors with no elements: the runtime refuses null
# data pointers, and reads nothing of an empty tensor.
_EMPTY = ctypes.create_string_buffer(64)
_EMPTY_ADDRESS = ctypes.addressof(_EMPTY)

# Live decoders by handle: the torch ops take the handle (an int), since a
# schema cannot name a Python object.
_decoders = weakref.WeakValueDictionary()
_handles = itertools.count(1)
_handles_lock = threading.Lock()


def lookup(handle):
    decoder = _decoders.get(int(handle))
    if decoder is None:
        raise SpotlightError(
            "SPT_ERROR_INVALID_ARGUMENT",
            f"no live SparseDecoder has handle {handle} (freed, or never made)")
    return decoder


def _torch_dtype(dtype, what):
    if isinstance(dtype, torch.dtype) and dtype in _DTYPE_NAMES:
        return dtype
    if isinstance(dtype, str) and dtype.lower() in _NAMED_DTYPES:
        return _NAMED_DTYPES[dtype.lower()]
    raise ValueError(f"{what} must be torch.float32, torch.float16 or "
                     f"torch.bfloat16 (or 'f32', 'f16', 'bf16'), got {dtype!r}")


def default_hash_weights(code_heads, head_dim, dtype=torch.float32, seed=0):
    """The untrained default: w1, w2 ~ N(0, 1/D), b1, b2 ~ N(0, 0.01), the
    random weights spotlight-run uses when it is given none. Trained weights
    (spotlight-train) retrieve better; see load_hash_weights."""
    dtype = _torch_dtype(dtype, "dtype")
    g = torch.Generator().manual_seed(seed)
    sd = 1.0 / math.sqrt(head_dim)
    shape_w, shape_b = (code_heads, head_dim, head_dim), (code_heads, head_dim)
    return {
        "w1": (torch.randn(shape_w, generator=g) * sd).to(dtype),
        "b1": (torch.randn(shape_b, generator=g) * 0.1).to(dtype),
        "w2": (torch.randn(shape_w, generator=g) * sd).to(dtype),
        "b2": (torch.randn(shape_b, generator=g) * 0.1).to(dtype),
    }


def artifact_spec(query_heads, kv_heads, head_dim, page_size=16,
                  code_heads="qh", dtype=torch.bfloat16,
                  weight_dtype=torch.float32, budget=0.02, sink=4, window=64,
                  mode="group", min_budget=20, max_tokens=262144,
                  target="cpu"):
    """The compile flags of a geometry, as a dict: what SparseDecoder compiles
    and caches. `target` is "cpu" or a CUDA chip ("sm_80", "sm_90").
    spotlight.compile_artifact(spec) fills a cache ahead of time (for a
    machine without the compiler)."""
    if code_heads not in ("qh", "kh"):
        raise ValueError(f"code_heads must be 'qh' or 'kh', got {code_heads!r}")
    return {
        "query_heads": query_heads, "kv_heads": kv_heads,
        "head_dim": head_dim, "code_heads": code_heads,
        "dtype": _DTYPE_NAMES[_torch_dtype(dtype, "dtype")],
        "weight_dtype": _DTYPE_NAMES[_torch_dtype(weight_dtype,
                                                  "weight_dtype")],
        "mode": mode, "sink": sink, "window": window,
        "budget": _artifacts.budget_text(budget), "min_budget": min_budget,
        "max_tokens": max_tokens, "page_size": page_size, "target": target,
    }


def compile_artifact(spec, cache_dir=None, recompile=False):
    """The cached artifact of `spec` (artifact_spec), compiled if needed."""
    return _artifacts.cached_artifact(spec, cache_dir, recompile)


class SparseDecoder:
    """A Spotlight decode step for one attention geometry.

    Compiles the geometry ahead of time with spotlight-compile (cached by
    geometry in `cache_dir`, $SPOTLIGHT_CACHE_DIR or ~/.cache/spotlight) or
    loads `artifact=` a compiled .spt, and holds a copy of the hash weights
    {w1 [CH,D,D], b1 [CH,D], w2 [CH,D,D], b2 [CH,D]}, CH = query_heads (one
    MLP per query head, the published setup) or kv_heads. The caches are the
    caller's: see new_cache, write, decode, select and dense, or call the
    same steps as torch.ops.spotlight.* with `decoder.handle`.

    Extra keyword arguments: min_budget (20), max_tokens (262144, the
    longest sequence; it sizes the index slots of a fraction budget),
    weight_dtype (default: that of w1), artifact (a .spt path), cache_dir,
    recompile (compile even when a cached artifact exists), chip (CUDA:
    sm_80 or sm_90; default from the GPU).

    Threads may share a decoder: its calls take turns (the runtime runs one
    step of a decoder at a time), and close() waits for a running one. A
    decoder owns native resources, so it cannot be copied or pickled.
    """

    def __init__(self, query_heads, kv_heads, head_dim, page_size=16,
                 weights=None, dtype=torch.bfloat16, budget=0.02, sink=4,
                 window=64, mode="group", device="cpu", *, min_budget=20,
                 max_tokens=262144, weight_dtype=None, artifact=None,
                 cache_dir=None, recompile=False, chip=None):
        self._decoder = None
        self._artifact = None
        # Held around every C call on the decoder: ctypes drops the GIL, and
        # the runtime's per-decoder thread pool deadlocks on a second
        # concurrent step; close() must not free under a running step.
        self._lock = threading.Lock()
        lib = _runtime.library()
        self._lib = lib
        for name, value in (("query_heads", query_heads),
                            ("kv_heads", kv_heads), ("head_dim", head_dim),
                            ("page_size", page_size)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if query_heads % kv_heads:
            raise ValueError(f"query_heads ({query_heads}) must be a multiple "
                             f"of kv_heads ({kv_heads})")
        if mode not in ("group", "head"):
            raise ValueError(f"mode must be 'group' or 'head', got {mode!r}")
        self.dtype = _torch_dtype(dtype, "dtype")
        self.device = torch.device(device)
        if self.device.type not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        if self.device.type == "cuda":
            ordinal = int(os.environ.get("SPOTLIGHT_CUDA_DEVICE", "0"))
            if self.device.index is None:
                self.device = torch.device("cuda", ordinal)
            elif self.device.index != ordinal:
                raise ValueError(
                    f"the runtime uses CUDA device {ordinal} "
                    f"($SPOTLIGHT_CUDA_DEVICE); got device={device!r}")

        if weights is None:
            weights = default_hash_weights(query_heads, head_dim,
                                           weight_dtype or torch.float32)
        host = self._host_weights(weights, weight_dtype)
        code_heads = host["w1"].shape[0] if host["w1"].dim() == 3 else -1
        if code_heads not in (query_heads, kv_heads):
            raise ValueError(
                f"weights: w1 must be [CH, D, D] with CH = query_heads "
                f"({query_heads}) or kv_heads ({kv_heads}), got "
                f"{list(host['w1'].shape)}")
        self.weight_dtype = host["w1"].dtype
        self.spec = artifact_spec(
            query_heads, kv_heads, head_dim, page_size,
            "qh" if code_heads == query_heads else "kh", self.dtype,
            self.weight_dtype, budget, sink, window, mode, min_budget,
            max_tokens)
        spt_device = _runtime.DEVICE_CPU
        if self.device.type == "cuda":
            spt_device = _runtime.DEVICE_CUDA
            self.spec["target"] = chip or self._cuda_chip()

        if artifact is not None:
            self.artifact_path = os.fspath(artifact)
            self._load(self.artifact_path)
        else:
            self.artifact_path = self._load_cached(cache_dir, recompile)
        self._check_geometry()

        tensors = [self._host_tensor(host[n], n) for n in ("w1", "b1", "w2",
                                                          "b2")]
        handle = ctypes.c_void_p()
        _runtime.check(lib.spt_decoder_create(
            self._artifact, spt_device, *[ctypes.byref(t) for t in tensors],
            ctypes.byref(handle)), "spt_decoder_create")
        self._decoder = handle
        self._stream = None
        with _handles_lock:
            self.handle = next(_handles)
        _decoders[self.handle] = self

    # -- construction helpers ------------------------------------------------
    @staticmethod
    def _host_weights(weights, weight_dtype):
        missing = [n for n in ("w1", "b1", "w2", "b2") if n not in weights]
        if missing:
            raise ValueError(f"weights must hold w1, b1, w2 and b2; missing "
                             f"{', '.join(missing)}")
        out = {}
        for name in ("w1", "b1", "w2", "b2"):
            t = torch.as_tensor(weights[name]).detach().to("cpu")
            if weight_dtype is not None:
                t = t.to(_torch_dtype(weight_dtype, "weight_dtype"))
            elif t.dtype not in _DTYPE_NAMES:
                if not t.is_floating_point():
                    raise ValueError(f"weights[{name!r}] must be floating "
                                     f"point, got {t.dtype}")
                t = t.to(torch.float32)
            out[name] = t.contiguous()
        dtypes = {t.dtype for t in out.values()}
        if len(dtypes) != 1:
            raise ValueError(f"weights must share one element type, got "
                             f"{sorted(str(d) for d in dtypes)} (or pass "
                             "weight_dtype=)")
        return out

    def _cuda_chip(self):
        info = _runtime.DeviceInfo()
        _runtime.check(self._lib.spt_device_query(_runtime.DEVICE_CUDA,
                                                  ctypes.byref(info)),
                       "spt_device_query")
        cc = info.compute_capability
        if cc < 80:
            raise SpotlightError(
                "SPT_ERROR_NO_DEVICE",
                f"{info.name.decode()} (compute capability {cc // 10}.{cc % 10})"
                ": Spotlight's CUDA code needs sm_80 or newer")
        return "sm_80" if cc < 90 else "sm_90"

    def _load_cached(self, cache_dir, recompile):
        """Loads the cached artifact of self.spec, compiled when missing or
        stale; its path. Without a compiler, a CPU geometry not yet compiled
        for this CPU loads another CPU's artifact of it that the runtime
        accepts (one whose instructions this CPU has)."""
        path = _artifacts.artifact_path(self.spec, cache_dir)
        if not recompile and not os.path.exists(path) and \
                not _artifacts.compiler_path():
            for other in _artifacts.other_cpu_artifacts(self.spec, cache_dir):
                try:
                    self._load(other)
                    return other
                except SpotlightError as e:
                    if e.status != "SPT_ERROR_ARTIFACT":
                        raise
        path = _artifacts.cached_artifact(self.spec, cache_dir, recompile)
        try:
            self._load(path)
        except SpotlightError as e:
            # A cached file from another compiler version: make it again.
            if e.status != "SPT_ERROR_ARTIFACT" or \
                    not _artifacts.compiler_path():
                raise
            _artifacts.compile_artifact(self.spec, path)
            self._load(path)
        return path

    def _load(self, path):
        if self._artifact is not None:
            self._lib.spt_artifact_free(self._artifact)
            self._artifact = None
        artifact = ctypes.c_void_p()
        _runtime.check(self._lib.spt_artifact_load(os.fsencode(path),
                                                   ctypes.byref(artifact)),
                       f"spt_artifact_load({path})")
        self._artifact = artifact
        g = _runtime.Geometry()
        _runtime.check(self._lib.spt_artifact_geometry(artifact, ctypes.byref(g)),
                       "spt_artifact_geometry")
        self.geometry = g.as_dict()

    def _check_geometry(self):
        g, s = self.geometry, self.spec
        want = {
            "query_heads": s["query_heads"], "kv_heads": s["kv_heads"],
            "head_dim": s["head_dim"],
            "code_heads": s["query_heads"] if s["code_heads"] == "qh"
            else s["kv_heads"],
            "dtype": _TO_SPT[self.dtype],
            "weight_dtype": _TO_SPT[self.weight_dtype],
            "head_mode": int(s["mode"] == "head"), "sink": s["sink"],
            "window": s["window"], "page_size": s["page_size"],
            "min_budget": s["min_budget"], "max_tokens": s["max_tokens"],
            "budget_count": int(s["budget"]) if s["budget"].isdigit() else 0,
            "target": _runtime.DEVICE_CPU if s["target"] == "cpu"
            else _runtime.DEVICE_CUDA,
        }
        wrong = [f"{k} = {g[k]} (asked for {v})" for k, v in want.items()
                 if g[k] != v]
        if not s["budget"].isdigit() and \
                g["budget_fraction"] != float(s["budget"]):
            wrong.append(f"budget_fraction = {g['budget_fraction']} (asked "
                         f"for {s['budget']})")
        if wrong:
            raise SpotlightError(
                "SPT_ERROR_ARTIFACT",
                f"the artifact {self.artifact_path} was compiled for another "
                f"geometry: {', '.join(wrong)}")

    # -- geometry ------------------------------------------------------------
    @property
    def query_heads(self):
        return self.geometry["query_heads"]

    @property
    def kv_heads(self):
        return self.geometry["kv_heads"]

    @property
    def head_dim(self):
        return self.geometry["head_dim"]

    @property
    def page_size(self):
        return self.geometry["page_size"]

    @property
    def code_heads(self):
        return self.geometry["code_heads"]

    @property
    def codes_per_head(self):
        """C: key codes per token and KV head (QH/KH when CH = QH, else 1)."""
        g = self.geometry
        return g["query_heads"] // g["kv_heads"] \
            if g["code_heads"] == g["query_heads"] else 1

    @property
    def selection_sets(self):
        return self.geometry["selection_sets"]

    @property
    def selection_slots(self):
        return self.geometry["selection_slots"]

    @property
    def max_tokens(self):
        return self.geometry["max_tokens"]

    # -- the caches ----------------------------------------------------------
    def new_cache(self, num_pages):
        """Zeroed pools: k_cache, v_cache [P, page, KH, D] (dtype) and
        code_cache [P, page, KH, C, D/32] (int32), on the decoder's device."""
        g = self.geometry
        shape = (num_pages, g["page_size"], g["kv_heads"], g["head_dim"])
        k = torch.zeros(shape, dtype=self.dtype, device=self.device)
        v = torch.zeros(shape, dtype=self.dtype, device=self.device)
        codes = torch.zeros(shape[:3] + (self.codes_per_head,
                                         g["head_dim"] // 32),
                            dtype=torch.int32, device=self.device)
        return k, v, codes

    # -- the steps (the torch ops) ------------------------------------------
    def write(self, keys, values, slot_mapping, k_cache, v_cache, code_cache):
        """Stores keys, values [T, KH, D] at slot_mapping [T] (int32, -1:
        skip) of the pools, with their key codes."""
        torch.ops.spotlight.paged_write(self.handle, keys, values,
                                        slot_mapping, k_cache, v_cache,
                                        code_cache)

    def decode(self, query, k_cache, v_cache, code_cache, block_table,
               seq_lens, *, out=None, indices=None):
        """The sparse step: query [B, QH, D] -> (out [B, QH, D], indices
        [B, S, M] int32: selected logical positions, ascending, -1 padded).
        `out`/`indices` may be given (preallocated, e.g. for CUDA graphs)."""
        if out is None and indices is None:
            return torch.ops.spotlight.paged_decode(
                self.handle, query, k_cache, v_cache, code_cache, block_table,
                seq_lens)
        if out is None or indices is None:
            raise ValueError("give both out= and indices=, or neither")
        return torch.ops.spotlight.paged_decode.out(
            self.handle, query, k_cache, v_cache, code_cache, block_table,
            seq_lens, out=out, indices=indices)

    def select(self, query, code_cache, block_table, seq_lens):
        """Retrieval alone (SGLang's retrieve_topk): the indices of decode."""
        return torch.ops.spotlight.paged_select(self.handle, query, code_cache,
                                                block_table, seq_lens)

    def dense(self, query, k_cache, v_cache, block_table, seq_lens):
        """The dense baseline: attention over every token of each sequence."""
        return torch.ops.spotlight.paged_decode_dense(
            self.handle, query, k_cache, v_cache, block_table, seq_lens)

    def last_step_ms(self):
        """The runtime's time of the last successful call, in ms (CPU: wall
        clock of the whole step; CUDA: 0, as calls only enqueue)."""
        ms = ctypes.c_double()
        with self._lock:
            _runtime.check(self._lib.spt_decoder_last_step_time(
                self._decoder, ctypes.byref(ms)), "spt_decoder_last_step_time")
        return ms.value

    # -- the calls behind the ops -------------------------------------------
    def _tensor(self, t, name):
        """An spt_tensor over `t`'s memory (no copy), after the checks the C
        API cannot make: a tensor, on this decoder's device, dense row-major,
        an element type the runtime names."""
        if not isinstance(t, torch.Tensor):
            raise SpotlightError("SPT_ERROR_INVALID_ARGUMENT",
                                 f"{name} must be a torch.Tensor, got "
                                 f"{type(t).__name__}")
        if t.device.type != self.device.type or (
                self.device.type == "cuda" and t.device.index !=
                self.device.index):
            raise SpotlightError("SPT_ERROR_INVALID_ARGUMENT",
                                 f"{name} is on {t.device}, but this decoder "
                                 f"runs on {self.device}")
        code = _TO_SPT.get(t.dtype)
        if code is None:
            raise SpotlightError("SPT_ERROR_TYPE",
                                 f"{name} has element type {t.dtype}; the "
                                 "runtime takes float32, float16, bfloat16 "
                                 "and int32 tensors")
        if t.layout != torch.strided or not t.is_contiguous():
            raise SpotlightError("SPT_ERROR_INVALID_ARGUMENT",
                                 f"{name} must be contiguous (dense row-major)"
                                 f", got shape {list(t.shape)} with strides "
                                 f"{list(t.stride())}; call .contiguous()")
        if t.dim() > 6:
            raise SpotlightError("SPT_ERROR_SHAPE",
                                 f"{name} has rank {t.dim()}; the C API holds "
                                 "at most 6")
        return self._host_tensor(t, name)

    @staticmethod
    def _host_tensor(t, name):
        """The spt_tensor of a checked (or host weight) tensor."""
        s = _runtime.Tensor()
        s.data = t.data_ptr() if t.numel() else _EMPTY_ADDRESS
        s.dtype = _TO_SPT[t.dtype]
        s.rank = t.dim()
        for i, n in enumerate(t.shape):
            s.shape[i] = n
        return s

    def _on_stream(self):
        """CUDA: enqueue on torch's current stream of the tensor's device
        (called with the lock held)."""
        if self.device.type != "cuda":
            return
        stream = torch.cuda.current_stream(self.device).cuda_stream
        if stream != self._stream:
            _runtime.check(self._lib.spt_decoder_set_stream(
                self._decoder, ctypes.c_void_p(stream)),
                "spt_decoder_set_stream")
            self._stream = stream

    def _call(self, fn, name, *tensors):
        with self._lock:
            self._on_stream()
            _runtime.check(fn(self._decoder, *[None if t is None else
                                               ctypes.byref(t)
                                               for t in tensors]), name)

    def _write(self, keys, values, slot_mapping, k_cache, v_cache, code_cache):
        ts = [self._tensor(t, n) for t, n in (
            (keys, "keys"), (values, "values"), (slot_mapping, "slot_mapping"),
            (k_cache, "k_cache"), (v_cache, "v_cache"),
            (code_cache, "code_cache"))]
        self._call(self._lib.spt_paged_write, "spt_paged_write", *ts)

    def _decode(self, query, k_cache, v_cache, code_cache, block_table,
                seq_lens, out, indices):
        ts = [self._tensor(t, n) for t, n in (
            (query, "query"), (k_cache, "k_cache"), (v_cache, "v_cache"),
            (code_cache, "code_cache"), (block_table, "block_table"),
            (seq_lens, "seq_lens"), (out, "out"), (indices, "indices"))]
        self._call(self._lib.spt_paged_decode, "spt_paged_decode", *ts)

    def _select(self, query, code_cache, block_table, seq_lens, indices):
        ts = [self._tensor(t, n) for t, n in (
            (query, "query"), (code_cache, "code_cache"),
            (block_table, "block_table"), (seq_lens, "seq_lens"),
            (indices, "indices"))]
        self._call(self._lib.spt_paged_select, "spt_paged_select", *ts)

    def _dense(self, query, k_cache, v_cache, block_table, seq_lens, out):
        ts = [self._tensor(t, n) for t, n in (
            (query, "query"), (k_cache, "k_cache"), (v_cache, "v_cache"),
            (block_table, "block_table"), (seq_lens, "seq_lens"),
            (out, "out"))]
        self._call(self._lib.spt_paged_decode_dense, "spt_paged_decode_dense",
                   *ts)

    def _output_shapes(self, query):
        """((shape, dtype) of out, (shape, dtype) of indices) for a query: the
        batch from its dim 0, the rest from the geometry (what the runtime
        checks outputs against). The real kernels and the fake (Meta) ones
        of spotlight.ops both size their outputs here."""
        batch = query.shape[0] if isinstance(query, torch.Tensor) and \
            query.dim() > 0 else 0
        g = self.geometry
        return (((batch, g["query_heads"], g["head_dim"]), self.dtype),
                ((batch, g["selection_sets"], g["selection_slots"]),
                 torch.int32))

    def _outputs(self, query, with_out=True, with_indices=True):
        """Fresh outputs for a query (its batch from dim 0), on its device
        (a meta or fake query gets meta or fake outputs)."""
        device = query.device if isinstance(query, torch.Tensor) else \
            self.device
        (out_shape, out_dtype), (indices_shape, indices_dtype) = \
            self._output_shapes(query)
        out = torch.empty(out_shape, dtype=out_dtype, device=device) \
            if with_out else None
        indices = torch.empty(indices_shape, dtype=indices_dtype,
                              device=device) if with_indices else None
        return out, indices

    def _check_outputs(self, call, query, out, indices):
        """Preallocated outputs (decode's out=, indices=) checked without
        reading them, as the runtime checks them: the fake kernel of
        paged_decode.out, which never reaches the runtime."""
        (out_shape, out_dtype), (indices_shape, indices_dtype) = \
            self._output_shapes(query)
        for t, name, shape, dtype in ((out, "out", out_shape, out_dtype),
                                      (indices, "indices", indices_shape,
                                       indices_dtype)):
            if not isinstance(t, torch.Tensor):
                raise SpotlightError("SPT_ERROR_INVALID_ARGUMENT",
                                     f"{call}: {name} must be a torch.Tensor,"
                                     f" got {type(t).__name__}")
            want = f"[{', '.join(str(n) for n in shape)}] " \
                f"{_DTYPE_TEXT[dtype]}"
            if t.dtype != dtype:
                raise SpotlightError(
                    "SPT_ERROR_TYPE", f"{call}: {name} must be {want}, got "
                    f"element type {_DTYPE_TEXT.get(t.dtype, t.dtype)}")
            if tuple(t.shape) != tuple(shape):
                raise SpotlightError(
                    "SPT_ERROR_SHAPE", f"{call}: {name} must be {want}, got "
                    f"[{', '.join(str(n) for n in t.shape)}]")

    # -- lifetime ------------------------------------------------------------
    def close(self):
        """Frees the decoder and its artifact now (else when collected),
        after a step running in another thread returns."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not start
            return
        with lock:
            if self._decoder:
                self._lib.spt_decoder_free(self._decoder)
                self._decoder = None
            if self._artifact:
                self._lib.spt_artifact_free(self._artifact)
                self._artifact = None
        handle = getattr(self, "handle", None)
        if handle is not None:
            _decoders.pop(handle, None)

    def _not_copyable(self, *_):
        """A copy would share (and free twice) the native decoder."""
        raise TypeError("a SparseDecoder owns native resources and cannot be "
                        "copied or pickled; make a new one")

    __copy__ = __deepcopy__ = __reduce__ = _not_copyable

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        s = self.spec
        return (f"SparseDecoder(query_heads={s['query_heads']}, kv_heads="
                f"{s['kv_heads']}, head_dim={s['head_dim']}, page_size="
                f"{s['page_size']}, code_heads={s['code_heads']}, dtype="
                f"{self.dtype}, budget={s['budget']}, sink={s['sink']}, "
                f"window={s['window']}, mode={s['mode']!r}, device="
                f"'{self.device}', handle={self.handle})")
