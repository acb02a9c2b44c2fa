# Loads the runtime with RTLD_LOCAL, as ctypes does, then a CUDA artifact.
import ctypes
import sys

runtime = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_LOCAL)
runtime.spt_status_name.restype = ctypes.c_char_p
runtime.spt_last_error.restype = ctypes.c_char_p
artifact = ctypes.c_void_p()
status = runtime.spt_artifact_load(sys.argv[2].encode(), ctypes.byref(artifact))
print("load", runtime.spt_status_name(status).decode(),
      runtime.spt_last_error().decode())


class Geometry(ctypes.Structure):
    _fields_ = [("query_heads", ctypes.c_int64), ("kv_heads", ctypes.c_int64),
                ("head_dim", ctypes.c_int64), ("code_heads", ctypes.c_int64),
                ("dtype", ctypes.c_int), ("weight_dtype", ctypes.c_int),
                ("head_mode", ctypes.c_int32), ("sink", ctypes.c_int64),
                ("window", ctypes.c_int64), ("budget_count", ctypes.c_int64),
                ("budget_fraction", ctypes.c_double),
                ("min_budget", ctypes.c_int64), ("max_tokens", ctypes.c_int64),
                ("selection_sets", ctypes.c_int64),
                ("selection_slots", ctypes.c_int64), ("target", ctypes.c_int)]


geometry = Geometry()
if status == 0:
    runtime.spt_artifact_geometry(artifact, ctypes.byref(geometry))
    print("target", geometry.target)
    runtime.spt_artifact_free(artifact)
