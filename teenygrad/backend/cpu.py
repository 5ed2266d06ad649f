"""CPU backend: arrays are numpy arrays. Three things here make them fast on a small machine
(measurements in docs/performance.md, reproduced by `python bench/run.py`):

1. The allocator. glibc serves every allocation >= 128 KB with a fresh mmap and unmaps it on free, so a training
   step page-faults and zeroes every activation again (GELU at GPT shapes: 7.8 ms instead of 2.0 ms). Raising
   M_MMAP_THRESHOLD *and* M_TRIM_THRESHOLD (either alone does nothing) keeps freed blocks in the heap for reuse.
   Done once when this module is imported (teenygrad/__init__.py does), cost ~30 us; TEENYGRAD_MALLOPT=0 skips it.
2. One thread-pool owner. By default BLAS (OpenBLAS/MKL under numpy) owns the cores, sized by OMP_NUM_THREADS /
   OPENBLAS_NUM_THREADS at start-up, and our own kernels are serial, so nothing oversubscribes (numba's parallel
   layer next to 2-thread OpenBLAS measured 6x slower, not faster). TEENYGRAD_POOL=1 swaps owners: BLAS runs
   one thread and our pool (below) splits GEMMs and kernels over the cores; see pool() for when that pays.
3. Fused kernels. `fused()` returns teenygrad.backend._numba_kernels (GELU, LayerNorm, softmax, AdamW) when numba
   is installed, else None, and callers keep their numpy path. numba loads on the first call, not at import;
   compiled code is cached on disk. TEENYGRAD_NUMBA=0 turns them off (the tests run both ways).
"""
import os
import sys

import numpy as np

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 64 << 20     # blocks below this come from the heap and are reused
TRIM_THRESHOLD = 1 << 30      # don't hand freed heap back to the OS until this much sits free at the top

_allocator_tuned = None
_fused = None
_fused_tried = False


def tune_allocator():
    """Ask glibc to keep freed activations for reuse. Returns True if the settings took effect."""
    global _allocator_tuned
    if _allocator_tuned is not None:
        return _allocator_tuned
    _allocator_tuned = False
    if os.environ.get("TEENYGRAD_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        _allocator_tuned = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):   # not glibc (musl, macOS): nothing to tune
        pass
    return _allocator_tuned


def fused():
    """The numba kernel module, or None when numba is missing or TEENYGRAD_NUMBA=0."""
    global _fused, _fused_tried
    if not _fused_tried:
        _fused_tried = True
        if os.environ.get("TEENYGRAD_NUMBA", "1") != "0":
            try:
                from . import _numba_kernels
                _fused = _numba_kernels
            except ImportError:
                _fused = None
    return _fused


def set_fused(enabled):
    """Turn the numba kernels on or off at run time (tests compare both paths)."""
    global _fused, _fused_tried
    _fused, _fused_tried = None, not enabled
    return fused()


def fused_for(*arrays):
    """The kernel module if every array is a numpy float32 array and the kernels are on, else None:
    ops call this, then keep their own numpy path on None (float64 checks, cupy arrays, no numba)."""
    k = _fused if _fused_tried else fused()
    if k is None:
        return None
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != np.float32:
            return None
    return k


def one_pass_for(*arrays):
    """backend/_numba_act (the activations' one-pass kernels) if fused_for takes the arrays and they are C-contiguous
    arrays of one shape (the kernels run over them flat), else None: the op keeps its numpy path."""
    if fused_for(*arrays) is None:
        return None
    s = arrays[0].shape
    for a in arrays:
        if a.shape != s or not a.flags.c_contiguous:
            return None
    global _act
    if _act is None:  # imported once: an import statement per call cost ~1 us on the makemore step's tanh
        from . import _numba_act
        _act = _numba_act
    return _act


_act = None


# ---- one thread-pool owner ------------------------------------------------------------------------------------
class _Pool:
    """The caller plus n-1 worker threads, each woken by a C-level lock. run(jobs) runs jobs[0] here and the rest
    on the workers; numpy's GEMMs and our nogil kernels release the GIL, so they overlap. A hand-off costs ~5 us
    on a busy host but ~30-45 us on an idle VM (waking a halted vCPU, then again for the GIL; spinning on a flag
    without the GIL did not help, the GIL hand-off sleeps anyway), so only jobs of ~0.3 ms and up gain."""

    def __init__(self, n):
        import threading
        self.n = n
        self.busy = threading.Lock()        # one parallel region at a time; others run serially
        self.workers = []
        for _ in range(n - 1):
            w = {"go": threading.Lock(), "done": threading.Lock(), "job": None, "err": None}
            w["go"].acquire()
            w["done"].acquire()
            threading.Thread(target=self._loop, args=(w,), daemon=True, name="teenygrad-cpu").start()
            self.workers.append(w)

    @staticmethod
    def _loop(w):
        while True:
            w["go"].acquire()
            try:
                w["job"]()
            except BaseException as e:      # re-raised in the caller
                w["err"] = e
            w["job"] = None
            w["done"].release()

    def run(self, jobs):
        if len(jobs) == 1 or not self.busy.acquire(blocking=False):
            for j in jobs:
                j()
            return
        try:
            started = []
            for w, j in zip(self.workers, jobs[1:]):
                w["job"] = j
                w["go"].release()
                started.append(w)
            err = None
            try:
                jobs[0]()
            except BaseException as e:
                err = e
            for w in started:
                w["done"].acquire()
                if w["err"] is not None and err is None:
                    err = w["err"]
                w["err"] = None
            if err is not None:
                raise err
        finally:
            self.busy.release()


def _pool_unset():
    """_pool before first use: None (decided on first use) only when TEENYGRAD_POOL=1 asks for one; else False
    at once, so the GEMM paths that test `_pool is False` take their short way from the first call (small GEMMs
    never reach pool(), so a None left there sent every makemore matmul through the long way)."""
    return None if os.environ.get("TEENYGRAD_POOL", "0") == "1" else False


_pool = _pool_unset()
_nthreads = None
MIN_PARALLEL_FLOPS = 2e6        # a GEMM below this runs whole: the hand-off would cost more than it saves
MIN_PARALLEL_ELEMENTS = 1 << 15


def _openblas_libs():
    """ctypes handles of the OpenBLAS libraries loaded in this process (numpy's bundled scipy-openblas, or a system
    one), found through /proc/self/maps; [] where there is none or no /proc."""
    try:
        import ctypes
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
        return [ctypes.CDLL(path) for path in paths]
    except OSError:
        return []


def _blas_set_threads(n):
    """Set OpenBLAS's thread count in this process (numpy's bundled scipy-openblas, or a system one)."""
    for lib in _openblas_libs():
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(lib, name):
                getattr(lib, name)(int(n))
                return True
    return False


def openblas_core():
    """The kernel set numpy's OpenBLAS runs ('SkylakeX', 'Haswell', ...), chosen once when it loads (from the CPU,
    or from OPENBLAS_CORETYPE); None without OpenBLAS. (bench/blas.py has its own copy: the benchmarks' numpy-only
    child must not import teenygrad.)"""
    import ctypes
    for lib in _openblas_libs():
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def get_num_threads():
    """Threads teenygrad computes with: TEENYGRAD_NUM_THREADS, else OMP_NUM_THREADS, else the usable cores."""
    global _nthreads
    if _nthreads is None:
        env = os.environ.get("TEENYGRAD_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        try:
            _nthreads = max(1, int(env)) if env else len(os.sched_getaffinity(0))
        except (ValueError, AttributeError):
            _nthreads = os.cpu_count() or 1
    return _nthreads


def set_num_threads(n):
    """Use n threads (with TEENYGRAD_POOL=1 our pool owns them and BLAS runs one thread inside each job)."""
    global _nthreads, _pool
    _nthreads, _pool = max(1, int(n)), _pool_unset()
    _blas_set_threads(_nthreads)    # a new pool (if enabled) takes the cores back on first use


def pool():
    """The thread pool (opt-in: TEENYGRAD_POOL=1), started on first use with BLAS switched to one thread; else
    None: BLAS keeps its own threads and our kernels stay serial. Measured on the 2-core VM (docs/performance.md):
    on an idle machine BLAS's spinning threads win (GPT step 36.8 ms vs 42.0 ms: waking a sleeping vCPU costs
    ~30 us a hand-off); on an oversubscribed one the pool wins by far (spinning threads stall when descheduled)."""
    global _pool
    if _pool is None:
        n = get_num_threads()
        if n > 1 and os.environ.get("TEENYGRAD_POOL", "0") == "1" and _blas_set_threads(1):
            _pool = _Pool(n)
        else:
            _pool = False
    return _pool or None


def parallel_for(n, body, min_items=1):
    """body(lo, hi) over [0, n) split into one contiguous range per thread (serial if n is small)."""
    p = pool()
    parts = p.n if p is not None and n >= 2 * min_items else 1
    if parts == 1:
        body(0, n)
        return
    cuts = [n * i // parts for i in range(parts + 1)]
    p.run([(lambda lo=lo, hi=hi: body(lo, hi)) for lo, hi in zip(cuts[:-1], cuts[1:])])


def matmul(a, b):
    """a @ b for 2-D numpy arrays, rows split across the pool when it's worth it; one GEMM per thread."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return a @ b
    m, k = a.shape
    n = b.shape[1]
    if 2.0 * m * n * k < MIN_PARALLEL_FLOPS or pool() is None:
        return a @ b
    out = np.empty((m, n), np.result_type(a.dtype, b.dtype))
    parallel_for(m, lambda lo, hi: np.matmul(a[lo:hi], b, out=out[lo:hi]), min_items=16)
    return out


def bmm(a, b):
    """Batched a @ b for numpy arrays with equal leading dims (attention's per-head GEMMs), split along the first
    axis. Strided views (a transposed (b, t, h, e) head layout) go to BLAS as they are, with no copy."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim < 3 or a.ndim != b.ndim
            or a.shape[:-2] != b.shape[:-2]):
        return a @ b
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if 2.0 * (a.size // k) * n * k < MIN_PARALLEL_FLOPS or pool() is None or a.shape[0] < 2:
        return a @ b
    out = np.empty(a.shape[:-1] + (n,), np.result_type(a.dtype, b.dtype))
    parallel_for(a.shape[0], lambda lo, hi: np.matmul(a[lo:hi], b[lo:hi], out=out[lo:hi]))
    return out


tune_allocator()
