"""ctypes bindings of libspotlight_runtime (runtime/include/spotlight/runtime.h).

Only the engines' path (spt_decoder_*, spt_paged_*) and the artifact calls are
bound: the caller (torch) owns every tensor, and the runtime reads and writes
them in place through their data pointers.
"""

import ctypes
import os
import threading

__all__ = ["SpotlightError", "library", "library_path", "Tensor", "Geometry",
           "DeviceInfo", "F32", "F16", "BF16", "I32", "DEVICE_CPU",
           "DEVICE_CUDA", "DTYPE_NAMES"]

# spt_dtype
F32, F16, BF16, I32 = 0, 1, 2, 3
DTYPE_NAMES = {F32: "f32", F16: "f16", BF16: "bf16", I32: "i32"}
# spt_device
DEVICE_CPU, DEVICE_CUDA = 0, 1

STATUS_NAMES = {
    0: "SPT_OK",
    1: "SPT_ERROR_INVALID_ARGUMENT",
    2: "SPT_ERROR_SHAPE",
    3: "SPT_ERROR_TYPE",
    4: "SPT_ERROR_CAPACITY",
    5: "SPT_ERROR_ARTIFACT",
    6: "SPT_ERROR_NO_DEVICE",
    7: "SPT_ERROR_OUT_OF_MEMORY",
    8: "SPT_ERROR_DEVICE",
}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}


class SpotlightError(RuntimeError):
    """A failed Spotlight call. `status` is the runtime's status name
    ("SPT_ERROR_SHAPE", ...); the message is the runtime's spt_last_error(),
    or the same kind of message when the Python layer refused a tensor
    before calling the runtime (wrong device, not contiguous, an element
    type the C API has no name for)."""

    def __init__(self, status, message):
        self.status = status
        self.code = STATUS_CODES.get(status, -1)
        super().__init__(f"{message} [{status}]")
        self.message = message


class Tensor(ctypes.Structure):
    """spt_tensor: a dense, row-major tensor."""
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * 6)]


class Geometry(ctypes.Structure):
    """spt_geometry: what an artifact was compiled for."""
    _fields_ = [
        ("query_heads", ctypes.c_int64), ("kv_heads", ctypes.c_int64),
        ("head_dim", ctypes.c_int64), ("code_heads", ctypes.c_int64),
        ("dtype", ctypes.c_int), ("weight_dtype", ctypes.c_int),
        ("head_mode", ctypes.c_int32),
        ("sink", ctypes.c_int64), ("window", ctypes.c_int64),
        ("budget_count", ctypes.c_int64), ("budget_fraction", ctypes.c_double),
        ("min_budget", ctypes.c_int64), ("max_tokens", ctypes.c_int64),
        ("selection_sets", ctypes.c_int64), ("selection_slots", ctypes.c_int64),
        ("target", ctypes.c_int), ("page_size", ctypes.c_int64),
    ]

    def as_dict(self):
        return {name: getattr(self, name) for name, _ in self._fields_}


class DeviceInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 256),
                ("compute_capability", ctypes.c_int32),
                ("memory_bytes", ctypes.c_int64)]


_LIB_NAME = "libspotlight_runtime.so"
_lock = threading.Lock()
_lib = None
_lib_path = None


def _candidates():
    """Where the runtime library may be, first match wins:
    $SPOTLIGHT_RUNTIME (the .so itself), $SPOTLIGHT_BUILD_DIR/lib, the build
    tree next to this package (python/spotlight -> build/lib), a lib/ folder
    next to the package (an installed bundle), then the loader's path."""
    env = os.environ.get("SPOTLIGHT_RUNTIME")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    paths = []
    build = os.environ.get("SPOTLIGHT_BUILD_DIR")
    if build:
        paths.append(os.path.join(build, "lib", _LIB_NAME))
    root = os.path.dirname(os.path.dirname(here))
    paths.append(os.path.join(root, "build", "lib", _LIB_NAME))
    paths.append(os.path.join(os.path.dirname(here), "lib", _LIB_NAME))
    paths.append(_LIB_NAME)
    return paths


def _bind(lib):
    c_void_p, c_int, c_char_p = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    T = ctypes.POINTER(Tensor)
    sigs = {
        "spt_last_error": (c_char_p, []),
        "spt_status_name": (c_char_p, [c_int]),
        "spt_device_query": (c_int, [c_int, ctypes.POINTER(DeviceInfo)]),
        "spt_artifact_load": (c_int, [c_char_p, ctypes.POINTER(c_void_p)]),
        "spt_artifact_geometry": (c_int, [c_void_p, ctypes.POINTER(Geometry)]),
        "spt_artifact_free": (None, [c_void_p]),
        "spt_decoder_create": (c_int, [c_void_p, c_int, T, T, T, T,
                                       ctypes.POINTER(c_void_p)]),
        "spt_decoder_free": (None, [c_void_p]),
        "spt_decoder_set_stream": (c_int, [c_void_p, c_void_p]),
        "spt_paged_write": (c_int, [c_void_p, T, T, T, T, T, T]),
        "spt_paged_decode": (c_int, [c_void_p, T, T, T, T, T, T, T, T]),
        "spt_paged_select": (c_int, [c_void_p, T, T, T, T, T]),
        "spt_paged_decode_dense": (c_int, [c_void_p, T, T, T, T, T, T]),
        "spt_decoder_last_step_time": (c_int, [c_void_p,
                                               ctypes.POINTER(ctypes.c_double)]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def library():
    """The loaded runtime (loaded once, on first use)."""
    global _lib, _lib_path
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for path in _candidates():
            if os.sep in path and not os.path.exists(path):
                tried.append(f"{path} (no such file)")
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                tried.append(f"{path} ({e})")
                continue
            _bind(lib)
            _lib, _lib_path = lib, path
            return lib
        raise SpotlightError(
            "SPT_ERROR_ARTIFACT",
            "cannot load libspotlight_runtime.so; build it (ninja -C build "
            "spotlight_runtime) or set SPOTLIGHT_RUNTIME to its path. Tried: " +
            "; ".join(tried))


def library_path():
    library()
    return _lib_path


def check(status, call):
    """Raises SpotlightError with the runtime's message unless status is OK."""
    if status == 0:
        return
    lib = library()
    message = lib.spt_last_error().decode("utf-8", "replace")
    name = lib.spt_status_name(status)
    name = name.decode() if name else STATUS_NAMES.get(status, str(status))
    # The runtime's messages often name the call already.
    if message.startswith(f"{call}:"):
        raise SpotlightError(name, message)
    raise SpotlightError(name, f"{call}: {message}" if message else call)
