"""One launch path for two worlds: numpy arrays under Triton's interpreter (CPU) and cupy arrays on a GPU.

Triton accepts any object with `data_ptr()` and `dtype` as a pointer argument. Neither numpy nor cupy
arrays have `data_ptr()`, and the interpreter additionally treats pointer arguments as torch tensors
(it "copies them to the host" through untyped_storage/cpu/set_/copy_ and back). `Ptr` answers that
protocol over memory that already is host memory, so loads and stores act directly on the numpy
buffer and torch is never imported. On a GPU, `Ptr` only needs `data_ptr()`; `_gpu_setup` makes
Triton launch on CuPy's current stream and gives it an allocator for device-side TMA descriptors.
"""
import os
import time

import numpy as np

FLOAT_DTYPES = ("float32", "float16", "bfloat16")


def interpreting():
    """True when kernels run in Triton's CPU interpreter (decided when triton decorates the kernels)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def is_cupy(x):
    return type(x).__module__.split(".")[0] == "cupy"  # no cupy import needed to ask


def xp_of(x):
    """The array module that owns x: numpy, or cupy for GPU arrays."""
    if is_cupy(x):
        import cupy
        return cupy
    return np


class Ptr:
    """A numpy or cupy array dressed as the pointer argument Triton expects (see module docstring)."""

    def __init__(self, arr):
        self.arr, self.dtype = arr, arr.dtype

    def data_ptr(self):
        return address(self.arr)

    # The interpreter's torch-tensor protocol: host memory needs no copy, so each step is the identity.
    def untyped_storage(self): return self
    def cpu(self): return self
    def copy_(self, other): pass
    def new_empty(self, *args, **kwargs): return self
    def set_(self, *args): return self
    def storage_offset(self): return 0
    def size(self): return self.arr.shape

    def stride(self, dim=None):
        s = tuple(b // self.arr.itemsize for b in self.arr.strides)
        return s if dim is None else s[dim]


def address(x):
    """Device (cupy) or host (numpy) address of x's element [0, ..., 0]."""
    return x.data.ptr if is_cupy(x) else x.ctypes.data


def strides(x):
    """Element (not byte) strides, the unit kernels index in."""
    return tuple(b // x.itemsize for b in x.strides)


_gpu_ready = False


def ptrs(*arrays):
    """Wrap arrays for a launch (None passes through); on first GPU use, hook Triton up to CuPy."""
    global _gpu_ready
    if not _gpu_ready and any(is_cupy(a) for a in arrays if a is not None):
        _gpu_setup()
        _gpu_ready = True
    return [None if a is None else Ptr(a) for a in arrays]


def _gpu_setup():
    import cupy
    import triton
    # Triton launches on stream 0 of its own notion of the current device unless told otherwise; follow
    # CuPy's current device and stream so our kernels are ordered with the cupy ops around them.
    driver = triton.runtime.driver.active
    driver.get_current_device = lambda: cupy.cuda.Device().id
    driver.get_current_stream = lambda device=None: cupy.cuda.get_current_stream().ptr

    # Device-side tensor descriptors (gemm_5) need scratch memory that Triton asks for at launch.
    def alloc(size, alignment, stream):
        return Ptr(cupy.empty(size, dtype=cupy.uint8))
    triton.set_allocator(alloc)


_sm_counts = {}


def num_sms(x):
    """Streaming multiprocessors of x's device (a persistent kernel launches one program per SM)."""
    if not is_cupy(x):
        return 4  # interpreter: a few programs, so the persistent loop really loops
    device = x.device.id
    if device not in _sm_counts:  # .attributes queries every attribute: ask once per device
        import cupy
        _sm_counts[device] = cupy.cuda.Device(device).attributes["MultiProcessorCount"]
    return _sm_counts[device]


def do_bench(kernel_call, quantiles=None, reps=10):
    """Autotune timer (Triton's default imports torch). GPU: CUDA events, median of reps after warmup;
    interpreter: one wall-clock run (the interpreter's speed says nothing about a GPU's)."""
    if interpreting():
        t0 = time.perf_counter()
        kernel_call()
        ms = (time.perf_counter() - t0) * 1e3
        return [ms, ms, ms] if quantiles else ms
    import cupy
    kernel_call()  # compile + warm up
    times = []
    for _ in range(reps):
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        kernel_call()
        end.record()
        end.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, end))
    ms = float(np.median(times))
    return [float(np.quantile(times, q)) for q in quantiles] if quantiles else ms


def upcast_for_dot(dtype):
    """The interpreter's bf16 tl.dot multiplies raw uint16 bits (triton issue 11584): kernels take this
    flag and cast bf16 tiles to fp32 before tl.dot there. On a GPU it is False."""
    return interpreting() and np.dtype(dtype).name == "bfloat16"


def check_matmul(name, a, b, out):
    """Validate 2-D float operands of one dtype and return (M, N, K, out), allocating out if needed."""
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"{name}: expects 2-D arrays, got shapes {a.shape} and {b.shape}")
    (M, K), (K2, N) = a.shape, b.shape
    if K != K2:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} are not aligned ({K} != {K2})")
    if a.dtype != b.dtype or a.dtype.name not in FLOAT_DTYPES:
        raise TypeError(f"{name}: needs both operands in one of {FLOAT_DTYPES}, got {a.dtype} and {b.dtype}")
    if out is None:
        out = xp_of(a).empty((M, N), dtype=a.dtype)
    elif out.shape != (M, N) or out.dtype != a.dtype:
        raise ValueError(f"{name}: out has shape {out.shape} {out.dtype}, expected {(M, N)} {a.dtype}")
    return M, N, K, out


def check_float(name, **arrays):
    """Every kernel computes in fp32 from fp32/fp16/bf16 storage; reject anything else up front."""
    for arg, x in arrays.items():
        if x.dtype.name not in FLOAT_DTYPES:
            raise TypeError(f"{name}: {arg} must be one of {FLOAT_DTYPES}, got {x.dtype}")
